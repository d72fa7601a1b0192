package io.github.bodydrain.jetty;

import io.github.bodydrain.it.NginxContract;
import io.github.bodydrain.it.ServerController;

class JettyNginxIT extends NginxContract {
    @Override
    protected ServerController controller() {
        return new JettyController();
    }

    /** Jetty consumes only what has arrived, never blocking: from 256 KiB on, most responses are lost. */
    @Override
    protected int[] knownResetBodies() {
        return new int[] {256 * KIB, MIB, 4 * MIB};
    }
}
