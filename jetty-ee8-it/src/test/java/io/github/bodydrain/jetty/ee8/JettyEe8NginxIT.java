package io.github.bodydrain.jetty.ee8;

import io.github.bodydrain.it.NginxContract;
import io.github.bodydrain.it.ServerController;

class JettyEe8NginxIT extends NginxContract {
    @Override
    protected ServerController controller() {
        return new JettyEe8Controller();
    }

    /** Jetty consumes only what has arrived, never blocking: from 256 KiB on, responses are lost. */
    @Override
    protected int[] knownResetBodies() {
        return new int[] {256 * KIB, MIB, 4 * MIB};
    }
}
