package io.github.bodydrain.jetty;

import io.github.bodydrain.it.HostileInputContract;
import io.github.bodydrain.it.ServerController;

class JettyHostileInputIT extends HostileInputContract {
    @Override
    protected ServerController controller() {
        return new JettyController();
    }
}
