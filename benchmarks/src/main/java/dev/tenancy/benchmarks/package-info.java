/**
 * JMH benchmarks of Tenancy, each beside the baseline it must approach, and the runners that compare them in
 * interleaved rounds ({@link dev.tenancy.benchmarks.InterleavedRounds}, {@link dev.tenancy.benchmarks.CpuPerTransaction}).
 */
@NullMarked
package dev.tenancy.benchmarks;

import org.jspecify.annotations.NullMarked;
