# ruff: noqa: F821  (runs inside the graded kernel, where the chapter defined these names)
# Hidden checks for chapters/01_rnn: run by `scripts/homework.py grade` right after the check cell of
# the exercise named in each `# %% exercise <n>` line, in the same kernel. Students never see them
# (the student notebooks and the student website do not contain this folder); an instructor who
# publishes the repository should keep the checks that must stay secret in a private folder and
# pass it with `--hidden DIR`. Each section prints a PASS line or raises AssertionError("FAIL: ...").

# %% exercise 1
# Other inputs than the visible check: lambda near 1 on a long sequence, against central
# differences of rnn.forward in lambda (step 1e-6: the error is dominated by rounding of h_T of
# size ~100 divided by the step, so 1e-7 relative is a safe bound).
hidden_rng = np.random.default_rng(9001)
for lam_h, T_h in ((0.999, 500), (0.3, 7)):
    x_h = hidden_rng.uniform(0.0, 1.0, size=T_h)

    def h_last(lam_value, x_values=x_h):
        p_h = {"weight_ih": np.ones((1, 1)), "weight_hh": np.full((1, 1), lam_value),
               "bias_ih": np.zeros(1), "bias_hh": np.zeros(1)}
        return rnn.forward(p_h, x_values[:, None, None], nonlinearity="relu")[1][0, 0]

    numeric = (h_last(lam_h + 1e-6) - h_last(lam_h - 1e-6)) / 2e-6
    err = gradcheck.relative_error(np.array(leaky_dlambda(lam_h, x_h)), np.array(numeric))
    assert err < 1e-7, f"FAIL: hidden check 1, lambda={lam_h}, T={T_h}: relative error {err:.1e}"
print("PASS: hidden check 1 (lambda = 0.999, T = 500 and lambda = 0.3, T = 7 vs central differences)")

# %% exercise 3
# The input weight u is a parameter of latch_run: an implementation that ignores it passes the
# visible check (which uses the default u = 4) and fails here.
for w_h, u_h in ((1.5, 2.0), (0.7, 0.5)):
    h_ref_h = 0.0
    for t_h in range(30):
        h_ref_h = np.tanh(w_h * h_ref_h + u_h * (t_h == 0))
    got = latch_run(w_h, 30, u=u_h)[0]
    assert abs(got - h_ref_h) <= 1e-12 * max(abs(h_ref_h), 1e-300), \
        f"FAIL: hidden check 3, w={w_h}, u={u_h}: h_T = {got:.6g}, expected {h_ref_h:.6g}"
print("PASS: hidden check 3 (latch_run uses its input weight u)")
