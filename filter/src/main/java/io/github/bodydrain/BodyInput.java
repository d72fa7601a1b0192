package io.github.bodydrain;

import java.io.IOException;

/** The request body as the drain sees it, through the stream or the reader the application used. */
interface BodyInput {

    int DISCARD_SIZE = 8192;

    /** An upper bound of the body left unread, in bytes (characters for a reader); -1 if unknown. */
    long remainingAtMost();

    /** The application read from the body. */
    boolean started();

    /** The container says the body has been read to its end. */
    boolean isFinished();

    /** The application set a ReadListener: a read must not block. */
    boolean isNonBlocking();

    /** Something can be read without blocking. */
    boolean hasArrived() throws IOException;

    /** Reads and discards up to {@code max} units; -1 at the end of the body. */
    int discard(int max) throws IOException;
}
