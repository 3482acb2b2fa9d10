/* report_html.c: `sigtrail report --format html`, one self-contained page:
 * inline CSS, inline SVG charts (signals by type, SIGKILL/SIGTERM per day,
 * a coverage timeline), tables, no script and nothing fetched from anywhere
 * (a Content-Security-Policy of default-src 'none' says so to the browser).
 * Every string from the database is HTML-escaped; numbers are the only
 * thing written raw. Exercise with
 *   sigtrail report --db /tmp/t.db -o /tmp/r.html
 *   chromium --headless --screenshot=/tmp/r.png --window-size=1200,1600 file:///tmp/r.html */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cli_fmt.h"
#include "cli_report.h"

enum {
	DAY_MS = 86400000,
	CHART_W = 1040,
	TYPES_SHOWN = 12, /* bars in the by-type chart; the rest are summed */
};

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2330;"
    "background:#f4f6f9;margin:0}"
    "main{max-width:1100px;margin:0 auto;padding:24px 28px 40px}"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:17px;margin:0 0 10px}"
    ".period{color:#4a5568;margin:0 0 18px}"
    "section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:16px 18px;"
    "margin:0 0 16px}"
    ".cards{display:flex;gap:12px;background:none;border:0;padding:0}"
    ".counts{color:#4a5568;font-size:13px;margin:-6px 0 16px}"
    ".card{flex:1;background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:10px 12px}"
    ".card b{display:block;font-size:22px}.card span{color:#4a5568;font-size:12px}"
    ".card.warn b{color:#b42318}"
    ".cov{padding:8px 12px;border-radius:6px;margin:0 0 10px}"
    ".cov.ok{background:#e7f6ec;color:#14532d}.cov.bad{background:#fdecea;color:#7a1c12}"
    ".cov.unknown{background:#fff7e0;color:#6b4e00}"
    "table{border-collapse:collapse;width:100%;font-size:13px}"
    "th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #edf0f4;vertical-align:top}"
    "th{color:#4a5568;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:"
    "tabular-nums}"
    "td.cmd{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px;"
    "word-break:break-all}"
    ".two{display:flex;gap:16px;background:none;border:0;padding:0}"
    ".two>div{flex:1;background:#fff;border:1px solid #dde3ea;border-radius:8px;"
    "padding:16px 18px;min-width:0}"
    "table+h2,p+h2{margin-top:20px}.none{color:#718096}footer{color:#718096;font-size:12px}"
    "svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#4a5568}";

static void text(FILE *out, const char *s)
{
	cli_html_text(out, s);
}

/* Bar i's start: "2026-11-22" for a bucket of a day or more, else
 * "2026-11-22 04:05" (the axis shows "04:05"). */
static void bucket_label(const struct report *r, size_t i, char *buf, size_t size)
{
	cli_time_iso(r->first_bucket_ms + (int64_t)i * r->bucket_ms, buf, size);
	if (size > 16 && r->bucket_ms < DAY_MS)
		buf[10] = ' ', buf[16] = '\0';
	else if (size > 10)
		buf[10] = '\0';
}

/* The axis maximum for counts up to v: four gridline steps of 1, 2 or 5
 * x 10^k, so that every gridline label is a whole number. */
static int64_t axis_max(int64_t v)
{
	if (v > INT64_C(1) << 58)
		v = INT64_C(1) << 58; /* a hostile database's counts: the bars are cut */
	int64_t need = (v + 3) / 4, p = 1;

	if (need <= 1)
		return 4;
	while (p * 10 < need)
		p *= 10;
	for (int64_t m = 1; m <= 10; m = m == 1 ? 2 : m == 2 ? 5 : 10)
		if (m * p >= need)
			return 4 * m * p;
	return 40 * p;
}

static void card(FILE *out, const char *label, int64_t n, bool warn)
{
	fprintf(out, "<div class=\"card%s\"><b>%lld</b><span>%s</span></div>", warn ? " warn" : "",
	        (long long)n, label);
}

/* The width of a bar for n of max: within [0, bar_w] whatever the counts
 * of a hostile database hold (4e18 * 300 overflowed an int64_t). */
static int bar_width(int64_t n, int64_t max, int bar_w)
{
	double w = (double)n * bar_w / (double)max;

	return w <= 0 ? 0 : w >= bar_w ? bar_w : (int)w;
}

/* Horizontal bars: the signals by type. */
static void chart_types(FILE *out, const struct report *r)
{
	size_t shown = r->n_types < TYPES_SHOWN ? r->n_types : TYPES_SHOWN;
	int64_t max = 1, others = 0;
	const int row = 24, label_w = 110, bar_w = 300;

	if (r->n_types == 0) {
		fputs("<p class=\"none\">No signals in this period.</p>", out);
		return;
	}
	for (size_t i = 0; i < r->n_types; i++) {
		if (i < shown && r->types[i].n > max)
			max = r->types[i].n;
		if (i >= shown && __builtin_add_overflow(others, r->types[i].n, &others))
			others = INT64_MAX;
	}
	int h = (int)(shown + (others ? 1 : 0)) * row + 8;
	fprintf(out,
	        "<svg role=\"img\" aria-label=\"signals by type\" width=\"100%%\" viewBox=\"0 0 %d "
	        "%d\" xmlns=\"http://www.w3.org/2000/svg\">",
	        label_w + bar_w + 90, h);
	for (size_t i = 0; i < shown + (others ? 1 : 0); i++) {
		bool other = i == shown;
		int64_t n = other ? others : r->types[i].n;
		int64_t ok = other ? 0 : r->types[i].n2;
		int y = (int)i * row + 4;
		int w = bar_width(n, max, bar_w), wok = bar_width(ok, max, bar_w);
		const char *name = other ? "others" : r->types[i].label;
		bool fatal =
		    !other && (strcmp(name, "SIGKILL") == 0 || strcmp(name, "SIGTERM") == 0);

		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8, y + 15);
		text(out, name);
		fprintf(out,
		        "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" rx=\"2\" "
		        "fill=\"#f3b8b0\"><title>",
		        label_w, y + 2, w > 1 ? w : 1);
		text(out, name);
		fprintf(out, ": %lld signals, %lld delivered</title></rect>", (long long)n,
		        (long long)ok);
		if (!other && wok > 0)
			fprintf(out,
			        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" rx=\"2\" "
			        "fill=\"%s\"/>",
			        label_w, y + 2, wok, fatal ? "#c0392b" : "#3b6ea5");
		fprintf(out, "<text x=\"%d\" y=\"%d\">%lld</text>", label_w + (w > 1 ? w : 1) + 6,
		        y + 15, (long long)n);
	}
	fputs("</svg><p class=\"none\">Dark: delivered; light: refused or failed.</p>", out);
}

/* Grouped bars: SIGKILL and SIGTERM per day (or per wider bucket). */
static void chart_daily(FILE *out, const struct report *r)
{
	const int left = 48, right = 12, top = 28, bottom = 34, plot_h = 190;
	int plot_w = CHART_W - left - right, h = top + plot_h + bottom;
	int64_t max = 0;
	char a[40];

	for (size_t i = 0; i < r->n_buckets; i++) {
		if (r->kill[i] > max)
			max = r->kill[i];
		if (r->term[i] > max)
			max = r->term[i];
	}
	max = axis_max(max);
	double gw = (double)plot_w / (double)r->n_buckets, bw = gw * 0.38;
	if (bw > 28)
		bw = 28; /* a few days: bars, not walls */
	fprintf(out,
	        "<svg role=\"img\" aria-label=\"SIGKILL and SIGTERM per bucket of time\" "
	        "width=\"100%%\" "
	        "viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">",
	        CHART_W, h);
	fprintf(
	    out,
	    "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"#c0392b\"/><text x=\"%d\" "
	    "y=\"16\">SIGKILL</text><rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" "
	    "fill=\"#e8913a\"/><text x=\"%d\" y=\"16\">SIGTERM</text>",
	    left, left + 16, left + 80, left + 96);
	for (int g = 0; g <= 4; g++) {
		int y = top + plot_h - g * plot_h / 4;
		fprintf(out,
		        "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\"/>"
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>",
		        left, left + plot_w, y, y, g ? "#edf0f4" : "#9aa5b1", left - 6, y + 4,
		        (long long)(max * g / 4));
	}
	size_t every = (r->n_buckets + 13) / 14;
	for (size_t i = 0; i < r->n_buckets; i++) {
		double x = left + gw * (double)i + (gw - 2 * bw) / 2;
		int64_t v[2] = {r->kill[i], r->term[i]};
		static const char *const colors[2] = {"#c0392b", "#e8913a"};
		static const char *const names[2] = {"SIGKILL", "SIGTERM"};

		bucket_label(r, i, a, sizeof(a));
		for (int k = 0; k < 2; k++) {
			double bh = (double)v[k] * plot_h / (double)max;
			if (v[k] > 0 && bh < 1)
				bh = 1;
			if (bh > plot_h || bh < 0)
				bh = bh < 0 ? 0 : plot_h;
			fprintf(out,
			        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			        "fill=\"%s\"><title>%s %s: %lld</title></rect>",
			        x + k * bw, top + plot_h - bh, bw > 1 ? bw - 0.5 : bw, bh,
			        colors[k], a, names[k], (long long)v[k]);
		}
		if (i % every == 0)
			fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
			        left + gw * (double)i + gw / 2, top + plot_h + 16,
			        r->bucket_ms < DAY_MS ? a + 11 : a + 5);
	}
	cli_time_iso(r->first_bucket_ms, a, sizeof(a));
	a[10] = ' ', a[16] = '\0';
	fprintf(out, "<text x=\"%d\" y=\"%d\">from %s, UTC, one bar pair per %s</text></svg>", left,
	        h - 2, r->bucket_ms < DAY_MS ? a : (a[10] = '\0', a),
	        report_bucket_name(r->bucket_ms));
}

/* A strip from lo to hi: green while a collector ran, red in the gaps. */
static void chart_coverage(FILE *out, const struct report *r)
{
	const int left = 10, w = CHART_W - 20, y = 8, h = 22;
	const struct cli_coverage *c = &r->cov;
	double span = (double)(c->hi - c->lo);
	char a[40], b[40];

	fprintf(
	    out,
	    "<svg role=\"img\" aria-label=\"collection coverage\" width=\"100%%\" viewBox=\"0 0 "
	    "%d 56\" xmlns=\"http://www.w3.org/2000/svg\">",
	    CHART_W);
	if (!c->recorded) {
		fprintf(out,
		        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#e2e8f0\"/>"
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no coverage data "
		        "recorded</text></svg>",
		        left, y, w, h, left + w / 2, y + 15);
		return;
	}
	fprintf(out,
	        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#2e8b57\"><title>"
	        "collecting</title></rect>",
	        left, y, w, h);
	for (size_t i = 0; span > 0 && i < c->n_gaps; i++) {
		double x0 = left + (double)(c->gaps[i].from - c->lo) * w / span;
		double x1 = left + (double)(c->gaps[i].to - c->lo) * w / span;
		cli_time_iso(c->gaps[i].from, a, sizeof(a));
		cli_time_iso(c->gaps[i].to, b, sizeof(b));
		fprintf(out,
		        "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#d64545\">"
		        "<title>not collecting: %s to %s</title></rect>",
		        x0, y, x1 - x0 < 1 ? 1 : x1 - x0, h, a, b);
	}
	cli_time_iso(c->lo, a, sizeof(a));
	cli_time_iso(c->hi, b, sizeof(b));
	fprintf(out,
	        "<text x=\"%d\" y=\"48\">%s</text><text x=\"%d\" y=\"48\" "
	        "text-anchor=\"end\">%s</text></svg>",
	        left, a, left + w, b);
}

static void table_items(FILE *out, const char *title, const char *h1, const char *h3,
                        const char *h4, const struct report_item *it, size_t n, bool mono)
{
	if (title)
		fprintf(out, "<h2>%s</h2>", title);
	if (n == 0) {
		fputs("<p class=\"none\">None in this period.</p>", out);
		return;
	}
	fprintf(out, "<table><tr><th>%s</th><th class=\"n\">signals</th>", h1);
	if (h3)
		fprintf(out, "<th class=\"n\">%s</th>", h3);
	if (h4)
		fprintf(out, "<th>%s</th>", h4);
	fputs("</tr>", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "<tr><td%s>", mono ? " class=\"cmd\"" : "");
		text(out, it[i].label);
		fprintf(out, "</td><td class=\"n\">%lld</td>", (long long)it[i].n);
		if (h3)
			fprintf(out, "<td class=\"n\">%lld</td>", (long long)it[i].n2);
		if (h4) {
			fputs("<td class=\"cmd\">", out);
			text(out, it[i].detail);
			fputs("</td>", out);
		}
		fputs("</tr>", out);
	}
	fputs("</table>", out);
}

static void refused_table(FILE *out, const struct report *r)
{
	char t[40];

	fputs("<h2>Newest refused attempts (EPERM)</h2>", out);
	if (r->n_refused_rows == 0) {
		fputs("<p class=\"none\">None in this period.</p>", out);
		return;
	}
	fputs("<table><tr><th>time (UTC)</th><th>signal</th><th>sender</th><th>command "
	      "line</th><th>target</th></tr>",
	      out);
	for (size_t i = 0; i < r->n_refused_rows; i++) {
		const struct report_refused *x = &r->refused_rows[i];
		cli_time_iso(x->ms, t, sizeof(t));
		fprintf(out, "<tr><td>%s</td><td>", t);
		text(out, x->signal);
		if (x->count > 1)
			fprintf(out, " &times;%lld", (long long)x->count);
		fputs("</td><td>", out);
		text(out, x->sender);
		fputs("</td><td class=\"cmd\">", out);
		text(out, x->cmd);
		fputs("</td><td>", out);
		text(out, x->target);
		fputs("</td></tr>", out);
	}
	fputs("</table>", out);
}

static void deaths_table(FILE *out, const char *h1, const char *h4, const struct report_item *it,
                         size_t n, bool mono)
{
	if (n == 0) {
		fputs("<p class=\"none\">None in this period.</p>", out);
		return;
	}
	fprintf(out,
	        "<table><tr><th>%s</th><th class=\"n\">deaths</th><th class=\"n\">processes</th>"
	        "<th>%s</th></tr>",
	        h1, h4);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "<tr><td%s>", mono ? " class=\"cmd\"" : "");
		text(out, it[i].label);
		fprintf(out, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td>",
		        (long long)it[i].n, (long long)it[i].n2);
		text(out, it[i].detail);
		fputs("</td></tr>", out);
	}
	fputs("</table>", out);
}

static void deaths_section(FILE *out, const struct report *r)
{
	fputs("<section><h2>Deaths by cause</h2>", out);
	if (!r->deaths_recorded) {
		fprintf(out,
		        "<p class=\"none\">Not recorded in this database (schema %d; deaths are "
		        "recorded from schema 3 on).</p></section>\n",
		        r->schema);
		return;
	}
	fputs("<p>", out);
	cli_report_deaths_sentence(out, r->deaths, &r->cov, cli_html_text);
	fputs(".</p>", out);
	deaths_table(out, "cause", "commands", r->causes, r->n_causes, false);
	fputs("<h2>Senders whose signals ended processes</h2>", out);
	deaths_table(out, "sender command line", "user", r->killers, r->n_killers, true);
	fputs("<h2>Unreaped zombies</h2><p>", out);
	report_zombies_sentence(out, r);
	fputs(r->zombies.n ? ":</p><ul>" : ".</p>", out);
	for (size_t i = 0; i < r->zombies.n; i++) {
		fputs("<li>", out);
		cli_html_text(out, r->zombies.lines[i]);
		fputs("</li>", out);
	}
	if (r->zombies.parents > (int64_t)r->zombies.n)
		fprintf(out, "<li>and %lld more parents</li>",
		        (long long)(r->zombies.parents - (int64_t)r->zombies.n));
	if (r->zombies.n)
		fputs("</ul>", out);
	fputs("</section>\n", out);
}

void report_html(FILE *out, const struct report *r)
{
	const char *who = r->hosts[0] && strcmp(r->hosts, "-") != 0 ? r->hosts : r->host;
	char a[40], b[40], g[40], *cov = NULL;
	size_t len = 0;
	FILE *m;

	cli_time_iso(r->lo, a, sizeof(a));
	cli_time_iso(r->hi, b, sizeof(b));
	cli_time_iso(r->generated_ms, g, sizeof(g));
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>"
	      "sigtrail report: ",
	      out);
	text(out, who);
	fprintf(out, ", %.10s to %.10s</title><style>%s</style></head><body><main>\n", a, b, css);

	fputs("<h1>Signal report: ", out);
	text(out, who);
	fprintf(out,
	        "</h1><p class=\"period\">%s to %s (UTC)%s. Every signal sent on the machine, "
	        "as recorded by sigtrail.</p>\n",
	        a, b, r->since_open ? ", from the first recorded signal" : "");
	if (r->filter->exclude[0]) {
		char ex[512];
		cli_filter_excluded(r->filter, ex, sizeof(ex));
		fputs("<p class=\"excluded\">Excluded (--exclude-signal): ", out);
		text(out, ex);
		fputs(". Every count below leaves these signals out.</p>\n", out);
	}

	fputs("<section class=\"cards\">", out);
	card(out, "signals", r->signals, false);
	card(out, "delivered", r->delivered, false);
	card(out, "refused (EPERM)", r->refused, r->refused > 0);
	card(out, "other failures", r->failed_other, false);
	card(out, "sender processes", r->senders, false);
	card(out, "target processes", r->targets, false);
	fputs("</section>\n<p class=\"counts\">", out);
	report_counts_line(out, r);
	fputs("</p>\n", out);

	m = open_memstream(&cov, &len);
	if (m) {
		cli_coverage_text(m, &r->cov, true);
		fclose(m);
	}
	fprintf(out, "<section><h2>Collection coverage</h2><p class=\"cov %s\">",
	        !r->cov.recorded                                        ? "unknown"
	        : r->cov.n_gaps == 0 && cli_coverage_lost(&r->cov) == 0 ? "ok"
	                                                                : "bad");
	text(out, cov ? cov : "");
	free(cov);
	fputs(".</p>", out);
	chart_coverage(out, r);
	fputs("</section>\n<section class=\"two\"><div><h2>Signals by type</h2>", out);
	chart_types(out, r);
	fputs("</div><div><h2>Top senders by user</h2>", out);
	table_items(out, NULL, "user", "refused or failed", "programs", r->users, r->n_users,
	            false);
	fputs("</div></section>\n<section><h2>SIGKILL and SIGTERM over time</h2>", out);
	chart_daily(out, r);
	fputs("</section>\n<section>", out);
	table_items(out, "Top senders by program", "program", "pids", "executable (users)",
	            r->programs, r->n_programs, false);
	fputs("</section>\n<section>", out);
	table_items(out, "Top sender command lines", "command line", "pids", NULL, r->cmdlines,
	            r->n_cmdlines, true);
	fputs("</section>\n<section>", out);
	table_items(out, "Most-signalled targets", "target", "pids", "signals received",
	            r->targets_top, r->n_targets_top, false);
	fputs("</section>\n", out);
	deaths_section(out, r);
	if (r->requests_recorded) {
		fputs("<section>", out);
		table_items(out, "Stops by requester", "request (supervised signals)", "targets",
		            "user (login) via supervisor", r->requesters, r->n_requesters, true);
		fputs("</section>\n", out);
	}
	fputs("<section>", out);
	table_items(out, "Refused attempts by sender", "user (login)", "targets", "command line",
	            r->refusers, r->n_refusers, false);
	refused_table(out, r);
	fputs("</section>\n<footer>Generated ", out);
	fprintf(out, "%s by sigtrail %s on ", g, SIGTRAIL_VERSION);
	text(out, r->host);
	fputs(" from ", out);
	text(out, r->db);
	fprintf(out,
	        ". %lld signals in %lld rows from %lld audit events (see under the cards). All "
	        "times UTC.</footer>\n</main></body></html>\n",
	        (long long)r->signals, (long long)r->rows, (long long)r->events);
}
