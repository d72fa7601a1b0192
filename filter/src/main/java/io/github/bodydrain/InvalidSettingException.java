package io.github.bodydrain;

/**
 * A setting of the filter out of its range or not in its format. Thrown by the
 * {@linkplain BodyDrainFilter#builder() builder}'s setters; {@link BodyDrainFilter#init} turns it
 * into a {@code ServletException} naming the filter, and the Spring Boot starter into an error
 * naming the property.
 */
public final class InvalidSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The init parameter's name. */
    private final String parameter;
    /** The value as it was given. */
    private final String value;
    /** What is wrong with the value. */
    private final String problem;

    InvalidSettingException(String parameter, String value, String problem) {
        super(parameter + " [" + value + "] " + problem);
        this.parameter = parameter;
        this.value = value;
        this.problem = problem;
    }

    /** {@return the init parameter's name, such as {@code maxBytes}} */
    public String parameter() {
        return parameter;
    }

    /** {@return the value as it was given} */
    public String value() {
        return value;
    }

    /** {@return what is wrong with the value, such as {@code must be at least 0}} */
    public String problem() {
        return problem;
    }
}
