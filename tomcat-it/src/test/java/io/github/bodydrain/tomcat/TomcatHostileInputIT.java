package io.github.bodydrain.tomcat;

import io.github.bodydrain.it.HostileInputContract;
import io.github.bodydrain.it.ServerController;

class TomcatHostileInputIT extends HostileInputContract {
    @Override
    protected ServerController controller() {
        return new TomcatController();
    }
}
