package io.github.bodydrain.jetty;

import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.it.TransparencyContract;

class JettyTransparencyIT extends TransparencyContract {
    @Override
    protected ServerController controller() {
        return new JettyController();
    }
}
