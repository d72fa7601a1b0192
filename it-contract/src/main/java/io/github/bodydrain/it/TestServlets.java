package io.github.bodydrain.it;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Arrays;

/** The servlets the contract suite runs; none reads the request body. */
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
