package io.github.bodydrain.jetty;

import io.github.bodydrain.it.DeadlineContract;
import io.github.bodydrain.it.ServerController;

class JettyDeadlineIT extends DeadlineContract {
    @Override
    protected ServerController controller() {
        return new JettyController();
    }
}
