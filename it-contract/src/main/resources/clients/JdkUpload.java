import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The JDK's HttpClient, on whichever JDK runs it. Prints "status length" per upload.
 * Arguments: url, file, count, "expect" or "none", and the request timeout in seconds (30).
 */
public class JdkUpload {
    public static void main(String[] args) throws InterruptedException {
        URI url = URI.create(args[0]);
        Path upload = Path.of(args[1]);
        int count = Integer.parseInt(args[2]);
        boolean expect = args[3].equals("expect");
        Duration timeout = Duration.ofSeconds(args.length > 4 ? Integer.parseInt(args[4]) : 30);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        for (int i = 0; i < count; i++) {
            try {
                HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(url).expectContinue(expect)
                        .timeout(timeout).header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofFile(upload)).build(), HttpResponse.BodyHandlers.ofByteArray());
                System.out.println(response.statusCode() + " " + response.body().length);
            } catch (IOException e) {
                System.out.println("failed: " + e);
            }
        }
    }
}
