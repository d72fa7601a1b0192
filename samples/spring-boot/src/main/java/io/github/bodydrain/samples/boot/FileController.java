package io.github.bodydrain.samples.boot;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartFile;

import java.util.Map;

/** A multipart upload within {@code spring.servlet.multipart} limits; larger ones get 413. */
@RestController
public class FileController {

    @PostMapping(path = "/files", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public Map<String, Object> store(@RequestParam("file") MultipartFile file) {
        return Map.of("stored", file.getSize());
    }

    /** As applications answer an upload over the limit: 413 with a small JSON body. */
    @RestControllerAdvice
    static class UploadLimitAdvice {
        @ExceptionHandler(MaxUploadSizeExceededException.class)
        ResponseEntity<Map<String, String>> tooLarge(MaxUploadSizeExceededException e) {
            // 413 by number: Spring 7 renamed the constant (CONTENT_TOO_LARGE), Spring 6 has the old name.
            return ResponseEntity.status(413).body(Map.of("error", "file too large"));
        }
    }
}
