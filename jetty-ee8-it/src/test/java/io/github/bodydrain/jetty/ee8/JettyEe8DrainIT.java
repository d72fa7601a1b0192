package io.github.bodydrain.jetty.ee8;

import io.github.bodydrain.it.DrainContract;
import io.github.bodydrain.it.ServerController;

class JettyEe8DrainIT extends DrainContract {
    @Override
    protected ServerController controller() {
        return new JettyEe8Controller();
    }
}
