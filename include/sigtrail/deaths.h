/* Deaths (collector/deaths/): why each process that a signal ended died.
 * The death tracker (proc_deathq.h) gathers the evidence of a death and
 * hands it over; the writer thread passes it here, where the signal rows the
 * store has written are read back and weighed with it, and the decided death
 * goes to the store as a plain record (struct store_death, store.h). The
 * rules themselves are private to the folder (deaths_internal.h). */
#pragma once

struct deathq_ready;
struct store;

/* Decide why the process of `r` died (death_attribute(), against the signal
 * rows written so far on st's connection, committed or not, and the
 * evidence in r) and write its death_rows row inside st's current
 * transaction (store_insert_death()). For the writer thread, which owns st.
 * Returns 1, or -errno as store_insert(). */
int deaths_write(struct store *st, const struct deathq_ready *r);
