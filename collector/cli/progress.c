/* progress.c: a one-line progress bar on stderr for long exports and
 * imports, redrawn at most ten times a second and only when asked to (the
 * commands turn it on when stderr is a terminal that the output itself does
 * not go to). Exercise with `sigtrail export --since 30d -o /tmp/x.csv` on
 * a large database, or `--progress` to force it. */
#include <stdio.h>

#include "cli.h"

enum { REDRAW_MS = 100, BAR = 30 };

void cli_progress_start(struct cli_progress *p, const char *label, const char *unit, int64_t total,
                        bool on)
{
	*p = (struct cli_progress){.on = on, .label = label, .unit = unit, .total = total};
	p->start_ms = p->last_ms = cli_now_ms();
}

static void draw(struct cli_progress *p, int64_t now)
{
	double secs = (double)(now - p->start_ms) / 1000.0;
	double rate = secs > 0 ? (double)p->done / secs : 0;

	if (p->total > 0) {
		int64_t pct = p->done * 100 / p->total, fill = p->done * BAR / p->total;
		fprintf(stderr, "\r%s [", p->label);
		for (int i = 0; i < BAR; i++)
			fputc(i < fill ? '#' : '.', stderr);
		fprintf(stderr, "] %3lld%% %lld/%lld %s, %.0f/s ", (long long)pct,
		        (long long)p->done, (long long)p->total, p->unit, rate);
	} else {
		fprintf(stderr, "\r%s %lld %s, %.0f/s ", p->label, (long long)p->done, p->unit,
		        rate);
	}
	fflush(stderr);
	p->last_ms = now;
}

void cli_progress_update(struct cli_progress *p, int64_t done)
{
	p->done = done > p->total && p->total > 0 ? p->total : done;
	if (!p->on)
		return;
	int64_t now = cli_now_ms();
	if (now - p->last_ms >= REDRAW_MS)
		draw(p, now);
}

void cli_progress_end(struct cli_progress *p)
{
	if (!p->on)
		return;
	draw(p, cli_now_ms());
	fputc('\n', stderr);
}
