//! Closed-form results the simulations are checked against.
//!
//! Rates are per millisecond and times in milliseconds. References:
//! - \[Kleinrock\] L. Kleinrock, *Queueing Systems, Volume 1: Theory*, Wiley
//!   1975.
//! - \[GSTH\] D. Gross, J. F. Shortle, J. M. Thompson, C. M. Harris,
//!   *Fundamentals of Queueing Theory*, 4th ed., Wiley 2008.
//! - \[BCMP\] F. Baskett, K. M. Chandy, R. R. Muntz, F. G. Palacios, "Open,
//!   closed, and mixed networks of queues with different classes of
//!   customers", J. ACM 22(2), 1975.

/// Mean time in system of M/M/1: `W = 1 / (μ − λ)` (\[Kleinrock\] §3.2;
/// \[GSTH\] §2.2).
pub(crate) fn mm1_sojourn_mean(lambda: f64, mu: f64) -> f64 {
    assert!(lambda < mu, "M/M/1 needs λ < μ");
    1.0 / (mu - lambda)
}

/// The `q`-quantile of M/M/1 time in system. Under FIFO the sojourn time is
/// exponential with rate `μ − λ` (\[Kleinrock\] ch. 5, the M/G/1 waiting-time
/// transform with exponential service; \[GSTH\] §2.2), so
/// `t_q = −ln(1 − q) / (μ − λ)`.
pub(crate) fn mm1_sojourn_quantile(lambda: f64, mu: f64, q: f64) -> f64 {
    -(1.0 - q).ln() * mm1_sojourn_mean(lambda, mu)
}

/// Erlang's C formula: the probability that an arrival waits in M/M/c with
/// offered load `a = λ/μ` Erlangs (\[Kleinrock\] §3.5; \[GSTH\] §2.3):
///
/// ```text
///              (a^c / c!) · c / (c − a)
/// C(c, a) = ─────────────────────────────────────────
///           Σ_{k<c} a^k / k!  +  (a^c / c!) · c / (c − a)
/// ```
pub(crate) fn erlang_c(c: u32, a: f64) -> f64 {
    let cf = f64::from(c);
    assert!(a < cf, "M/M/c needs a < c");
    // a^k / k!, accumulated term by term.
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let top = term * cf / (cf - a);
    top / (sum + top)
}

/// Mean time in system of M/M/c: `W = C(c, a) / (cμ − λ) + 1/μ` (\[GSTH\]
/// §2.3).
pub(crate) fn mmc_sojourn_mean(lambda: f64, mu: f64, c: u32) -> f64 {
    let a = lambda / mu;
    erlang_c(c, a) / (f64::from(c) * mu - lambda) + 1.0 / mu
}

/// Mean time in system of M/G/1 by the Pollaczek–Khinchine mean-value
/// formula, `W = E\[S\] + λ E\[S²\] / (2 (1 − ρ))` with `E\[S²\] = E\[S\]² (1 + scv)`
/// (\[Kleinrock\] ch. 5; \[GSTH\] §5.1). For M/D/1 (`scv = 0`) this is
/// `W = D + ρ D / (2 (1 − ρ))`.
pub(crate) fn mg1_sojourn_mean(lambda: f64, mean_service: f64, scv: f64) -> f64 {
    let rho = lambda * mean_service;
    assert!(rho < 1.0, "M/G/1 needs ρ < 1");
    let second_moment = mean_service * mean_service * (1.0 + scv);
    mean_service + lambda * second_moment / (2.0 * (1.0 - rho))
}

/// M/M/1/K (at most `k` in system, one of them in service): the blocking
/// probability `P_K = (1 − ρ) ρ^K / (1 − ρ^{K+1})` and the mean time in
/// system of accepted requests `W = L / (λ (1 − P_K))` (Little) with
/// `L = ρ / (1 − ρ) − (K + 1) ρ^{K+1} / (1 − ρ^{K+1})` (\[GSTH\] §2.5;
/// \[Kleinrock\] §3.6). Valid for `ρ ≠ 1`, overload included.
pub(crate) fn mm1k(lambda: f64, mu: f64, k: u32) -> (f64, f64) {
    let rho = lambda / mu;
    assert!((rho - 1.0).abs() > 1e-9, "use the ρ = 1 limit");
    let k = i32::try_from(k).expect("small K");
    let blocking = (1.0 - rho) * rho.powi(k) / (1.0 - rho.powi(k + 1));
    let l = rho / (1.0 - rho) - f64::from(k + 1) * rho.powi(k + 1) / (1.0 - rho.powi(k + 1));
    (blocking, l / (lambda * (1.0 - blocking)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn mm1_by_hand() {
        // λ = 0.8, μ = 1: W = 5, median 5 ln 2.
        assert!(close(mm1_sojourn_mean(0.8, 1.0), 5.0));
        assert!(close(mm1_sojourn_quantile(0.8, 1.0, 0.5), 5.0 * 2f64.ln()));
        assert!(close(mm1_sojourn_quantile(0.8, 1.0, 0.99), 5.0 * 100f64.ln()));
    }

    #[test]
    fn erlang_c_by_hand() {
        // One server: an arrival waits with probability ρ.
        assert!(close(erlang_c(1, 0.8), 0.8));
        // c = 2, a = 1: (1/2 · 2/1) / (1 + 1 + 1) = 1/3.
        assert!(close(erlang_c(2, 1.0), 1.0 / 3.0));
        // M/M/c with one server is M/M/1.
        assert!(close(mmc_sojourn_mean(0.8, 1.0, 1), 5.0));
        // c = 2, λ = 1, μ = 1: W = (1/3) / (2 − 1) + 1 = 4/3.
        assert!(close(mmc_sojourn_mean(1.0, 1.0, 2), 4.0 / 3.0));
    }

    #[test]
    fn pollaczek_khinchine_by_hand() {
        // Exponential service (scv 1) gives M/M/1; constant service halves the wait.
        assert!(close(mg1_sojourn_mean(0.8, 1.0, 1.0), 5.0));
        assert!(close(mg1_sojourn_mean(0.8, 1.0, 0.0), 3.0));
    }

    #[test]
    fn mm1k_by_hand_and_in_the_limit() {
        // K = 1: a loss system, P_1 = ρ / (1 + ρ), W = 1/μ.
        let (p, w) = mm1k(0.5, 1.0, 1);
        assert!(close(p, 1.0 / 3.0));
        assert!(close(w, 1.0));
        // Large K tends to M/M/1.
        let (p, w) = mm1k(0.5, 1.0, 200);
        assert!(p < 1e-50);
        assert!(close(w, mm1_sojourn_mean(0.5, 1.0)));
    }
}
