package io.github.bodydrain.it;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.annotation.MultipartConfig;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The servlets the suites run; none reads the request body unless its name says so. */
public final class TestServlets {

    private TestServlets() {
    }

    /**
     * Answers with the status {@code ?status=} (default 200) and a body of {@code ?bytes=}
     * (default 2) bytes with a declared Content-Length, and never reads the request body.
     */
    public static HttpServlet ignoresBody() {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                int status = intParameter(request, "status", 200);
                int bytes = intParameter(request, "bytes", 2);
                response.setStatus(status);
                response.setContentType("application/octet-stream");
                response.setContentLength(bytes);
                response.getOutputStream().write(body(bytes));
            }
        };
    }

    /** Sets the status {@code ?status=} and writes nothing. */
    public static HttpServlet setsStatus() {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) {
                response.setStatus(intParameter(request, "status", 401));
            }
        };
    }

    /** Calls {@code sendError} with the status {@code ?status=}: the container writes the page. */
    public static HttpServlet sendsError() {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.sendError(intParameter(request, "status", 413));
            }
        };
    }

    /** Throws: the container answers 500, and Tomcat then swallows nothing. */
    public static HttpServlet throwsException() {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException {
                throw new ServletException("rejected without reading the body " + ExpectedByTheTest.MARK);
            }
        };
    }

    /** Starts async processing and writes the response and completes from another thread. */
    public static HttpServlet completesAsync() {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) {
                int bytes = intParameter(request, "bytes", 2);
                AsyncContext async = request.startAsync();
                CompletableFuture.runAsync(() -> {
                    try {
                        HttpServletResponse asyncResponse = (HttpServletResponse) async.getResponse();
                        asyncResponse.setContentLength(bytes);
                        asyncResponse.getOutputStream().write(body(bytes));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } finally {
                        async.complete();
                    }
                });
            }
        };
    }

    /** Reads half the declared body through the stream, then answers. */
    public static HttpServlet readsHalf() {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                request.getInputStream().readNBytes((int) (request.getContentLengthLong() / 2));
                writeBody(request, response);
            }
        };
    }

    /** Reads the whole body, as a normal upload endpoint does, and answers with its length. */
    public static HttpServlet readsAll() {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                long length = request.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                byte[] body = Long.toString(length).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                response.setContentLength(body.length);
                response.getOutputStream().write(body);
            }
        };
    }

    /** Reads a few characters through {@code getReader()}, then answers. */
    public static HttpServlet readsFewCharacters() {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                request.getReader().read(new char[16]);
                writeBody(request, response);
            }
        };
    }

    /** Writes its body without a Content-Length and closes the output stream itself. */
    public static HttpServlet closesOutput() {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                ServletOutputStream out = response.getOutputStream();
                out.write(body(intParameter(request, "bytes", 2)));
                out.close();
            }
        };
    }

    /** Every servlet above at its path, as the suites and the demonstration mount them. */
    public static Map<String, HttpServlet> all() {
        return Map.of("/ignore", ignoresBody(), "/status", setsStatus(), "/send-error", sendsError(),
                "/throw", throwsException(), "/async", completesAsync(), "/read-half", readsHalf(),
                "/read-all", readsAll(), "/reader", readsFewCharacters(), "/close-output", closesOutput(),
                "/parts-over-limit", new PartsOverTheLimit());
    }

    /**
     * Refuses an upload the container's multipart parse failed on, as a framework's upload limit
     * does (Spring's {@code MaxUploadSizeExceededException} answered 413 by an advice). It needs
     * its own class: the containers read the multipart configuration from its annotation.
     */
    @MultipartConfig(maxFileSize = PartsOverTheLimit.MAX_FILE_SIZE)
    public static final class PartsOverTheLimit extends HttpServlet {
        /** The largest file part the servlet accepts. */
        public static final int MAX_FILE_SIZE = 1024;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            try {
                request.getParts();
                writeBody(request, response);
            } catch (RuntimeException | IOException | ServletException overTheLimit) {
                // Any failure, as Spring's parse catches: Jetty ee8 throws its own BadMessageException.
                response.setStatus(413);
                response.setContentLength(2);
                response.getOutputStream().write(body(2));
            }
        }
    }

    private static void writeBody(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int bytes = intParameter(request, "bytes", 2);
        response.setStatus(intParameter(request, "status", 200));
        response.setContentLength(bytes);
        response.getOutputStream().write(body(bytes));
    }

    /** Reads a query parameter: the form body is never parsed, only the query string. */
    static int intParameter(HttpServletRequest request, String name, int otherwise) {
        String query = request.getQueryString();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith(name + "=")) {
                    return Integer.parseInt(pair.substring(name.length() + 1));
                }
            }
        }
        return otherwise;
    }

    /** A response body whose bytes a client can check: the letters a to z, repeated. */
    public static byte[] body(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }

    static boolean isExpectedBody(byte[] received, int length) {
        return received.length == length && Arrays.equals(received, body(length));
    }
}
