package io.github.bodydrain.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The CPU time of this process's Java threads, to the nanosecond ({@code ThreadMXBean}, the
 * thread CPU clock), and where they run. The JVM's own threads (garbage collection, JIT
 * compilers) are not Java threads the bean lists, so they are left out: a collection or a
 * compilation lands in one batch or another and would swamp a difference of 1 %; what the
 * collector is given to do is measured as allocation instead. The measuring thread is left out.
 *
 * <p>Threads are told apart by what started them: {@link #claim} names the threads a server
 * starts, and later threads of the same name but for their number.
 */
final class ThreadCpu {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** Thread name stems of a server, and of threads named by hand: which group they count in. */
    private static final Map<String, String> GROUPS = new HashMap<>();
    private static final Set<String> SHARED = new HashSet<>();
    private static final String OTHER = "other";

    private ThreadCpu() {
    }

    /** Each thread's CPU time so far, by thread id, and its group. */
    record Snapshot(Map<Long, Long> nanos, Map<Long, String> groups) {

        /**
         * CPU time since {@code before} by group, or null if a thread ended in between: its time
         * since {@code before} is lost, so the batch must be measured again.
         */
        Map<String, Long> since(Snapshot before) {
            for (Long id : before.nanos.keySet()) {
                if (!nanos.containsKey(id)) {
                    return null;
                }
            }
            Map<String, Long> byGroup = new HashMap<>();
            for (Map.Entry<Long, Long> thread : nanos.entrySet()) {
                byGroup.merge(groups.get(thread.getKey()),
                        thread.getValue() - before.nanos.getOrDefault(thread.getKey(), 0L), Long::sum);
            }
            return byGroup;
        }
    }

    static Snapshot now() {
        long self = Thread.currentThread().getId();
        long[] ids = THREADS.getAllThreadIds();
        long[] cpu = THREADS.getThreadCpuTime(ids);
        ThreadInfo[] infos = THREADS.getThreadInfo(ids, 0);
        Map<Long, Long> nanos = new HashMap<>();
        Map<Long, String> groups = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == self || cpu[i] < 0 || infos[i] == null) {
                continue; // the measuring thread, or one that ended while listed
            }
            nanos.put(ids[i], cpu[i]);
            groups.put(ids[i], group(infos[i].getThreadName()));
        }
        return new Snapshot(nanos, groups);
    }

    /** {@return the sum over every group} */
    static long total(Map<String, Long> byGroup) {
        return byGroup.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Runs {@code start}, and counts the threads it started in {@code group}, with those of the
     * stems given. A stem two groups claim counts in neither.
     */
    static synchronized <T> T claim(String group, Callable<T> start, String... stems) throws Exception {
        Set<String> before = names();
        T started = start.call();
        Set<String> claimed = new HashSet<>(List.of(stems));
        for (String name : names()) {
            if (!before.contains(name)) {
                claimed.add(stem(name));
            }
        }
        for (String stem : claimed) {
            String known = GROUPS.putIfAbsent(stem, group);
            if (known != null && !known.equals(group)) {
                SHARED.add(stem);
            }
        }
        return started;
    }

    private static synchronized String group(String name) {
        String stem = stem(name);
        return SHARED.contains(stem) ? OTHER : GROUPS.getOrDefault(stem, OTHER);
    }

    /** {@code qtp1234-7} and {@code http-nio-auto-1-exec-7} are of one pool with their siblings. */
    private static String stem(String name) {
        return name.replaceFirst("-\\d+$", "");
    }

    private static Set<String> names() {
        Set<String> names = new HashSet<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds(), 0)) {
            if (info != null) {
                names.add(info.getThreadName());
            }
        }
        return names;
    }

    /** Pins every thread of this process, and those it starts later, to these CPUs ({@code taskset} list). */
    static void pin(String cpus) throws IOException, InterruptedException {
        pin(ProcessHandle.current().pid(), cpus);
    }

    /** Pins every thread of that process to these CPUs. */
    static void pin(long pid, String cpus) throws IOException, InterruptedException {
        Process taskset = new ProcessBuilder(List.of("taskset", "-a", "-p", "-c", cpus, Long.toString(pid)))
                .redirectErrorStream(true).start();
        String said = new String(taskset.getInputStream().readAllBytes());
        if (taskset.waitFor() != 0) {
            throw new IOException("taskset -a -p -c " + cpus + " " + pid + " failed: " + said);
        }
    }

    /** Every CPU of the machine, as a {@code taskset} list. */
    static String allCpus() {
        return "0-" + (Runtime.getRuntime().availableProcessors() - 1);
    }
}
