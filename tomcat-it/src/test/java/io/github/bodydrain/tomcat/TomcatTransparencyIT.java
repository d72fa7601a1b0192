package io.github.bodydrain.tomcat;

import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.it.TransparencyContract;

class TomcatTransparencyIT extends TransparencyContract {
    @Override
    protected ServerController controller() {
        return new TomcatController();
    }
}
