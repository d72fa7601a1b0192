package io.github.bodydrain.boot;

import io.github.bodydrain.BodyDrainFilter;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every {@link BodyDrainFilter} an application context puts in the servlet context, by the name
 * it is registered under: those of enabled registrations, whatever their declared type, and the
 * plain filter beans Boot registers under their bean names.
 */
final class RegisteredFilters {

    private RegisteredFilters() {
    }

    /**
     * {@return the filters, by name}
     *
     * @param beans the application context's beans
     * @param except a registration to leave out, or null
     */
    @SuppressWarnings("rawtypes")
    static Map<String, BodyDrainFilter> in(ListableBeanFactory beans, FilterRegistrationBean<?> except) {
        Map<String, BodyDrainFilter> filters = new LinkedHashMap<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        if (except != null) {
            seen.add(except.getFilter());
        }
        for (FilterRegistrationBean registration : beans.getBeansOfType(FilterRegistrationBean.class, false, false).values()) {
            if (registration != except && registration.getFilter() instanceof BodyDrainFilter filter
                    && registration.isEnabled() && seen.add(filter)) {
                filters.put(registration.getFilterName(), filter);
            }
        }
        beans.getBeansOfType(BodyDrainFilter.class, false, false).forEach((name, filter) -> {
            if (seen.add(filter)) {
                filters.put(name, filter);
            }
        });
        return filters;
    }
}
