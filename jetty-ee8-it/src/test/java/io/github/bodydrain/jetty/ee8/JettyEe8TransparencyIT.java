package io.github.bodydrain.jetty.ee8;

import io.github.bodydrain.it.TransparencyContract;
import io.github.bodydrain.it.ServerController;

class JettyEe8TransparencyIT extends TransparencyContract {
    @Override
    protected ServerController controller() {
        return new JettyEe8Controller();
    }
}
