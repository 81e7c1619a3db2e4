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
/// formula, `W = E[S] + λ E[S²] / (2 (1 − ρ))` with `E[S²] = E[S]² (1 + scv)`
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

/// M/M/1 under FIFO: the time in system is exponential with rate `μ − λ`
/// (\[Kleinrock\] ch. 5; \[GSTH\] §2.2), so a request is still in the
/// system after `t` with probability `P(T > t) = e^{−(μ − λ) t}`.
pub(crate) fn mm1_sojourn_tail(lambda: f64, mu: f64, t: f64) -> f64 {
    assert!(lambda < mu, "M/M/1 needs λ < μ");
    (-(mu - lambda) * t).exp()
}

/// Mean of an exponential of rate `theta` conditioned on being at most `t`:
/// `E[X | X ≤ t] = 1/θ − t e^{−θt} / (1 − e^{−θt})` (integrate `x θ e^{−θx}`
/// over \[0, t\] and divide by `1 − e^{−θt}`).
pub(crate) fn exp_mean_below(theta: f64, t: f64) -> f64 {
    let tail = (-theta * t).exp();
    1.0 / theta - t * tail / (1.0 - tail)
}

/// M/M/1/K: the probability that an *accepted* request spends more than `t`
/// in the system. An arrival finds `n` in system with probability
/// `π_n = (1 − ρ) ρ^n / (1 − ρ^{K+1})` (PASTA; \[GSTH\] §2.5) and, if
/// accepted (`n < K`), leaves after `n + 1` exponential services under FIFO,
/// an Erlang(n + 1, μ) time, whose tail is `Σ_{j≤n} e^{−μt} (μt)^j / j!`:
///
/// ```text
/// P(T > t | accepted) = Σ_{n<K} π_n Σ_{j≤n} e^{−μt} (μt)^j / j!  /  (1 − π_K)
/// ```
pub(crate) fn mm1k_sojourn_tail(lambda: f64, mu: f64, k: u32, t: f64) -> f64 {
    let rho = lambda / mu;
    assert!((rho - 1.0).abs() > 1e-9, "use the ρ = 1 limit");
    let norm = (1.0 - rho) / (1.0 - rho.powi(i32::try_from(k).expect("small K") + 1));
    let pi = |n: u32| norm * rho.powi(i32::try_from(n).expect("small K"));
    let mut tail = 0.0;
    // Poisson terms e^{−μt} (μt)^j / j!, accumulated.
    let mut term = (-mu * t).exp();
    let mut erlang_tail = 0.0;
    for n in 0..k {
        erlang_tail += term;
        term *= mu * t / f64::from(n + 1);
        tail += pi(n) * erlang_tail;
    }
    tail / (1.0 - pi(k))
}

/// Erlang B by the classic recursion `B(0) = 1`,
/// `B(k) = a B(k−1) / (k + a B(k−1))` (\[GSTH\] §2.6; Jagerman 1974): every
/// step stays in \[0, 1\], so it never overflows whatever the load, at one
/// step per server.
pub(crate) fn erlang_b_recursive(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// Mean time in system of M/M/c through Erlang B, for many servers:
/// `C = B / (1 − ρ (1 − B))` with `ρ = a / c` (\[GSTH\] §2.6), then
/// `W = C / (cμ − λ) + 1/μ`.
pub(crate) fn mmc_sojourn_mean_many(lambda: f64, mu: f64, c: u32) -> f64 {
    let (a, cf) = (lambda / mu, f64::from(c));
    assert!(a < cf, "M/M/c needs a < c");
    let b = erlang_b_recursive(c, a);
    let wait_probability = b / (1.0 - a / cf * (1.0 - b));
    wait_probability / (cf * mu - lambda) + 1.0 / mu
}

/// M/M/c/K (`c` servers, at most `k >= c` in system): the state
/// probabilities `p_n ∝ a^n / n!` for `n <= c` and `∝ a^c / c! · ρ^{n−c}`
/// above, `a = λ/μ`, `ρ = a/c` (\[GSTH\] §2.5), summed state by state. The
/// blocking probability is `p_K` (PASTA) and admitted requests spend
/// `W = L / (λ (1 − p_K))` in the system (Little). Returns `(p_K, W)`.
pub(crate) fn mmck(lambda: f64, mu: f64, c: u32, k: u32) -> (f64, f64) {
    assert!(k >= c, "K counts the servers too");
    let a = lambda / mu;
    let mut q = vec![1.0_f64];
    for n in 1..=k {
        let prev = q[q.len() - 1];
        q.push(prev * a / f64::from(n.min(c)));
    }
    let norm: f64 = q.iter().sum();
    let l: f64 = q.iter().enumerate().map(|(n, p)| n as f64 * p).sum::<f64>() / norm;
    let blocking = q[k as usize] / norm;
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
    fn many_servers_and_mmck_by_hand() {
        // The recursion agrees with the direct sum where both work.
        assert!(close(erlang_b_recursive(2, 1.0), 0.2));
        assert!(close(mmc_sojourn_mean_many(3.6, 1.0, 4), mmc_sojourn_mean(3.6, 1.0, 4)));
        // M/M/c/K with one server is M/M/1/K.
        let (p1, w1) = mmck(1.5, 1.0, 1, 5);
        let (p2, w2) = mm1k(1.5, 1.0, 5);
        assert!(close(p1, p2) && close(w1, w2));
        // K = c: Erlang's loss system, W = 1/μ.
        let (p, w) = mmck(2.7, 1.0, 3, 3);
        assert!(close(p, erlang_b_recursive(3, 2.7)) && close(w, 1.0));
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

    #[test]
    fn sojourn_tails_by_hand() {
        // M/M/1, λ = 0.8, μ = 1: P(T > 10) = e^{-2}.
        assert!(close(mm1_sojourn_tail(0.8, 1.0, 10.0), (-2.0f64).exp()));
        // Truncating an exponential far out changes nothing; at t the
        // conditional mean is below both t and the mean.
        assert!(close(exp_mean_below(0.5, 200.0), 2.0));
        let m = exp_mean_below(0.2, 10.0);
        assert!(close(m, 5.0 - 10.0 * (-2.0f64).exp() / (1.0 - (-2.0f64).exp())));
        // K = 1: an accepted request found the system empty, one service.
        assert!(close(mm1k_sojourn_tail(0.5, 1.0, 1, 2.0), (-2.0f64).exp()));
        // K = 2: found empty w.p. π0/(π0+π1) = 1/(1+ρ); else Erlang(2).
        let (rho, t): (f64, f64) = (0.5, 1.5);
        let e1 = (-t).exp();
        let e2 = e1 * (1.0 + t);
        assert!(close(mm1k_sojourn_tail(rho, 1.0, 2, t), (e1 + rho * e2) / (1.0 + rho)));
        // Large K tends to M/M/1.
        assert!(close(mm1k_sojourn_tail(0.5, 1.0, 300, 4.0), mm1_sojourn_tail(0.5, 1.0, 4.0)));
    }
}
