package io.github.bodydrain.samples.boot;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import java.util.Map;

@RestController
public class UploadController {

    /** Checks the caller before anything else and answers 401 without reading the upload. */
    @PostMapping("/upload")
    public ResponseEntity<Map<String, String>> upload(
            @RequestHeader(name = "Authorization", required = false) String authorization) {
        if (!"Bearer sample-token".equals(authorization)) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(Map.of("error", "unauthorized"));
        }
        return ResponseEntity.ok(Map.of("status", "stored"));
    }

    /** A JSON endpoint that reads its body as usual: the filter leaves it alone. */
    @PostMapping("/echo")
    public Map<String, Object> echo(@RequestBody Map<String, Object> body) {
        return body;
    }
}
