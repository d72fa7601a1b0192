package io.github.bodydrain.jetty.ee11;

import io.github.bodydrain.it.DrainContract;
import io.github.bodydrain.it.ServerController;

class JettyEe11DrainIT extends DrainContract {
    @Override
    protected ServerController controller() {
        return new JettyEe11Controller();
    }
}
