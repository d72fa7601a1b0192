package io.github.bodydrain.jetty.ee8;

import io.github.bodydrain.it.HostileInputContract;
import io.github.bodydrain.it.ServerController;

class JettyEe8HostileInputIT extends HostileInputContract {
    @Override
    protected ServerController controller() {
        return new JettyEe8Controller();
    }
}
