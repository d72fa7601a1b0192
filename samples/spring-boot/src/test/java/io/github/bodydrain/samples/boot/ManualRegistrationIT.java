package io.github.bodydrain.samples.boot;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.ActiveProfiles;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same tests with the filter registered by hand: the starter backs off. */
@ActiveProfiles("manual-registration")
class ManualRegistrationIT extends SampleApplicationIT {

    @Autowired
    ApplicationContext context;

    @Test
    void theRegistrationIsTheHandWrittenOne() {
        assertTrue(context.containsBean("bodyDrainFilter"));
        assertFalse(context.containsBean("bodyDrainFilterRegistration"));
    }
}
