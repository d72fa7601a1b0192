package io.github.bodydrain.jetty;

import io.github.bodydrain.it.HostileInputContract;
import io.github.bodydrain.it.ServerController;

class JettyHostileInputIT extends HostileInputContract {
    @Override
    protected ServerController controller() {
        return new JettyController();
    }

    /** Jetty sends 100 Continue when the application first reads. */
    @Override
    protected boolean continuesBeforeTheApplicationReads() {
        return false;
    }
}
