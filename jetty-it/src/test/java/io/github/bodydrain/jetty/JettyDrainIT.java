package io.github.bodydrain.jetty;

import io.github.bodydrain.it.DrainContract;
import io.github.bodydrain.it.ServerController;

class JettyDrainIT extends DrainContract {
    @Override
    protected ServerController controller() {
        return new JettyController();
    }
}
