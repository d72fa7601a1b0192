package io.github.bodydrain.tomcat;

import io.github.bodydrain.it.DrainContract;
import io.github.bodydrain.it.ServerController;

class TomcatDrainIT extends DrainContract {
    @Override
    protected ServerController controller() {
        return new TomcatController();
    }
}
