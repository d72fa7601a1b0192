package io.github.bodydrain.tomcat;

import io.github.bodydrain.it.DeadlineContract;
import io.github.bodydrain.it.ServerController;

class TomcatDeadlineIT extends DeadlineContract {
    @Override
    protected ServerController controller() {
        return new TomcatController();
    }
}
