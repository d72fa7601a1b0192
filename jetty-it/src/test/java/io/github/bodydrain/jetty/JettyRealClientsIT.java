package io.github.bodydrain.jetty;

import io.github.bodydrain.it.RealClientsContract;
import io.github.bodydrain.it.ServerController;

class JettyRealClientsIT extends RealClientsContract {
    @Override
    protected ServerController controller() {
        return new JettyController();
    }
}
