/*
 * participants.h - every address that staked (a ValidatorDeposit's
 * validator), committed, solved, contested or voted: its roles, its stake
 * history and its contestation record, as the truth (tests/devnet) counts
 * them.  Read-side SQL over the base tables and earnings, through the
 * caller's connection (inside its read transaction when it has one).
 *
 * Roles: staker, committer, solver, contester, voter (explicit votes; the
 * contester's own yea and the accused's nay cast by submitContestation are
 * "auto" votes, counted apart).  Addresses must be lower-case 0x hex.
 */
#ifndef ARBIUSD_PARTICIPANTS_H
#define ARBIUSD_PARTICIPANTS_H

#include <jansson.h>

#include "arbiusd/db.h"
#include "arbiusd/util.h"

#define PARTICIPANT_CREDITS 100 /* era-6 stake credits a history lists */
#define PARTICIPANTS_MAX    500 /* rows of a role's list */

/*
 * Sets on o the record of addr: roles [..], first_block, last_block,
 * solutions, solutions_claimed, commitments, contestation_record
 * {contested, won, lost, open, against, against_upheld, against_rejected,
 * against_open}, vote_record {cast, yea, nay, won, lost, pending, auto},
 * and stake {deposited, withdrawn, credited (era-6 fees and rewards
 * credited to the stake, exact wei), history [{kind (deposit, withdraw_
 * initiated, withdraw_cancelled, withdraw, fee, reward), amount, block,
 * tx, log_index, and by (deposit), count and unlock_time, to (withdraw),
 * task and via (credits)}] in chain order: every stake event and the newest
 * PARTICIPANT_CREDITS credits}.  Slashes and their returns move stake
 * without a log and are not listed.  Returns the number of roles (0: addr
 * took part in nothing), or -1 after logging.
 */
int participant_into(struct db *db, const char *addr, json_t *o) WARN_UNUSED;

/*
 * The participants of role "staker", "committer", "contester" or "voter",
 * most active first: {role, participants:[{address, roles, count (deposits
 * received, commitments, contestations filed or votes cast), first_block,
 * last_block, contestation_record, vote_record}]}, at most
 * PARTICIPANTS_MAX, in a new *outp.  0, 1 for an unknown role, or -1.
 */
int participants_list(struct db *db, const char *role,
                      json_t **outp /* OUT */) WARN_UNUSED;

#endif
