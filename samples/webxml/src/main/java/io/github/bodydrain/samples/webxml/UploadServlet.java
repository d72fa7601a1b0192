package io.github.bodydrain.samples.webxml;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * An upload endpoint as many are: it checks the caller first and answers 401 without reading
 * the body. Without BodyDrainFilter, that answer is what nginx loses.
 */
public class UploadServlet extends HttpServlet {

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"Bearer sample-token".equals(request.getHeader("Authorization"))) {
            byte[] body = "{\"error\":\"unauthorized\"}".getBytes(StandardCharsets.UTF_8);
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            response.setContentType("application/json");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            return;
        }
        long received = 0;
        try (InputStream in = request.getInputStream()) {
            received = in.transferTo(OutputStream.nullOutputStream());
        }
        response.setContentType("application/json");
        response.getWriter().print("{\"received\":" + received + "}");
    }
}
