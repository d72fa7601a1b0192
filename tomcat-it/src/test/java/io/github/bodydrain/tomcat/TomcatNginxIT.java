package io.github.bodydrain.tomcat;

import io.github.bodydrain.it.NginxContract;
import io.github.bodydrain.it.ServerController;

class TomcatNginxIT extends NginxContract {
    @Override
    protected ServerController controller() {
        return new TomcatController();
    }

    /** Tomcat swallows up to maxSwallowSize (2 MiB), then closes: a 4 MiB body resets. */
    @Override
    protected int[] knownResetBodies() {
        return new int[] {4 * MIB};
    }
}
