package io.github.bodydrain;

import java.io.IOException;

/** The request body as the drain sees it: how much is left, and one bounded read at a time. */
interface BodyInput {

    /** Body bytes the application left unread of the declared Content-Length; negative if none was declared. */
    long declaredRemaining();

    /** The application read from the body. */
    boolean started();

    /** The container says the body has been read to its end. */
    boolean finished() throws IOException;

    /** The application set a ReadListener: a read must not block. */
    boolean nonBlocking();

    /** Something can be read without blocking. */
    boolean arrived() throws IOException;

    /** Reads and discards up to {@code max} bytes into {@code buffer}; -1 at the end of the body. */
    int discard(byte[] buffer, int max) throws IOException;

    /** Body bytes discarded so far. */
    long discarded();
}
