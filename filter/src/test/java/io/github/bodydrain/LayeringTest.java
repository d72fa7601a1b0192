package io.github.bodydrain;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.or;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The filter's dependencies run one way: filter, wrappers, the per-request state, the drain core,
 * the counters. Nothing below the wrappers knows the Servlet API, so the core can serve another
 * servlet namespace or another way of reading unchanged.
 */
class LayeringTest {

    private static final String PACKAGE = "io.github.bodydrain";

    static LayeredArchitecture layers(String pkg) {
        return layeredArchitecture().consideringOnlyDependenciesInLayers()
                .ensureAllClassesAreContainedInArchitectureIgnoring(resideInAPackage(pkg + ".fixture.."))
                .layer("Filter").definedBy(named(pkg, "BodyDrainFilter"))
                .layer("Wrappers").definedBy(or(named(pkg, "DrainingRequest"), named(pkg, "DrainingResponse"),
                        named(pkg, "DrainingAsyncContext"), named(pkg, "DrainingInputStream"),
                        named(pkg, "AsyncDrain")))
                .layer("State").definedBy(named(pkg, "RequestDrain"))
                .layer("Core").definedBy(or(named(pkg, "Drainer"), named(pkg, "DrainSettings"), named(pkg, "BodyInput"),
                        named(pkg, "Exchange"), named(pkg, "InvalidSettingException"), named(pkg, "Container"),
                        named(pkg, "Deadlines")))
                .layer("Counters").definedBy(or(named(pkg, "DrainStats"), named(pkg, "DrainStatsMXBean"),
                        named(pkg, "DrainOutcome"), named(pkg, "DrainObserver")))
                .whereLayer("Filter").mayNotBeAccessedByAnyLayer()
                .whereLayer("Wrappers").mayOnlyBeAccessedByLayers("Filter")
                .whereLayer("State").mayOnlyBeAccessedByLayers("Filter", "Wrappers")
                .whereLayer("Core").mayOnlyBeAccessedByLayers("Filter", "Wrappers", "State")
                .whereLayer("Counters").mayOnlyBeAccessedByLayers("Filter", "Wrappers", "State", "Core");
    }

    static ArchRule servletFreeBelowTheWrappers(String pkg) {
        return noClasses().that(or(named(pkg, "RequestDrain"), named(pkg, "Drainer"), named(pkg, "DrainSettings"),
                        named(pkg, "BodyInput"), named(pkg, "Exchange"), named(pkg, "InvalidSettingException"),
                        named(pkg, "Container"), named(pkg, "Deadlines"),
                        named(pkg, "DrainStats"), named(pkg, "DrainStatsMXBean"), named(pkg, "DrainOutcome"),
                        named(pkg, "DrainObserver")))
                .should().dependOnClassesThat().resideInAnyPackage("jakarta..", "javax.servlet..");
    }

    /** The class and its nested classes. */
    private static com.tngtech.archunit.base.DescribedPredicate<com.tngtech.archunit.core.domain.JavaClass> named(
            String pkg, String simpleName) {
        String name = pkg + "." + simpleName;
        return com.tngtech.archunit.base.DescribedPredicate.describe(simpleName,
                c -> c.getName().equals(name) || c.getName().startsWith(name + "$"));
    }

    private static JavaClasses production() {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(PACKAGE);
    }

    @Test
    void dependenciesRunOneWay() {
        layers(PACKAGE).check(production());
    }

    @Test
    void nothingBelowTheWrappersKnowsTheServletApi() {
        servletFreeBelowTheWrappers(PACKAGE).check(production());
    }

    /** The rules catch what they are for: a core class that reaches back up to the filter. */
    @Test
    void anImportThatRunsBackUpIsCaught() {
        String pkg = PACKAGE + ".fixture.backwards";
        JavaClasses backwards = new ClassFileImporter().importPackages(pkg);
        assertTrue(layers(pkg).withOptionalLayers(true).evaluate(backwards).hasViolation());
        assertTrue(servletFreeBelowTheWrappers(pkg).allowEmptyShould(true).evaluate(backwards).hasViolation());
        assertFalse(backwards.isEmpty());
    }
}
