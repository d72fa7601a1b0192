package io.github.bodydrain.jetty.ee11;

import io.github.bodydrain.it.TransparencyContract;
import io.github.bodydrain.it.ServerController;

class JettyEe11TransparencyIT extends TransparencyContract {
    @Override
    protected ServerController controller() {
        return new JettyEe11Controller();
    }
}
