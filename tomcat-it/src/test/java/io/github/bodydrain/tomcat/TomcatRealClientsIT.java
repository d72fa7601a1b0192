package io.github.bodydrain.tomcat;

import io.github.bodydrain.it.RealClientsContract;
import io.github.bodydrain.it.ServerController;

class TomcatRealClientsIT extends RealClientsContract {
    @Override
    protected ServerController controller() {
        return new TomcatController();
    }
}
