// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The close path's counter parsers against the kernel's own text (taken
 * from /proc/net of a 6.18.44 host) and against text anyone may have written
 * under --root: every buffer is copied to a heap block of exactly its
 * length, without a terminating NUL, so that ASan (make test-san) sees any
 * read past it.
 */
#include "helpers.h"
#include "pressure.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>

/* /proc/net/sockstat, netstat and snmp as a 6.18.44 kernel wrote them */
static const char fx_sockstat[] =
	"sockets: used 10\n"
	"TCP: inuse 1 orphan 0 tw 2 alloc 1 mem 0\n"
	"UDP: inuse 0 mem 0\n"
	"UDPLITE: inuse 0\n"
	"RAW: inuse 0\n"
	"FRAG: inuse 0 memory 0\n"
	;

static const char fx_netstat[] =
	"TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled RcvPruned "
	"OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled PAWSActive PAWSEstab "
	"BeyondWindow TSEcrRejected PAWSOldAck PAWSTimewait DelayedACKs DelayedACKLocked DelayedACKLost "
	"ListenOverflows ListenDrops TCPHPHits TCPPureAcks TCPHPAcks TCPRenoRecovery TCPSackRecovery "
	"TCPSACKReneging TCPSACKReorder TCPRenoReorder TCPTSReorder TCPFullUndo TCPPartialUndo TCPDSACKUndo "
	"TCPLossUndo TCPLostRetransmit TCPRenoFailures TCPSackFailures TCPLossFailures TCPFastRetrans "
	"TCPSlowStartRetrans TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail "
	"TCPSackRecoveryFail TCPRcvCollapsed TCPBacklogCoalesce TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv "
	"TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout TCPAbortOnLinger "
	"TCPAbortFailed TCPMemoryPressures TCPMemoryPressuresChrono TCPSACKDiscard TCPDSACKIgnoredOld "
	"TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPSackShifted "
	"TCPSackMerged TCPSackShiftFallback TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop "
	"IPReversePathFilter TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail "
	"TCPRcvCoalesce TCPOFOQueue TCPOFODrop TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive "
	"TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail TCPFastOpenListenOverflow "
	"TCPFastOpenCookieReqd TCPFastOpenBlackhole TCPSpuriousRtxHostQueues BusyPollRxPackets "
	"TCPAutoCorking TCPFromZeroWindowAdv TCPToZeroWindowAdv TCPWantZeroWindowAdv TCPSynRetrans "
	"TCPOrigDataSent TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd "
	"TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2 TCPACKSkippedTimeWait "
	"TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPMTUPFail TCPMTUPSuccess TCPDelivered "
	"TCPDeliveredCE TCPAckCompressed TCPZeroWindowDrop TCPRcvQDrop TCPWqueueTooBig "
	"TCPFastOpenPassiveAltKey TcpTimeoutRehash TcpDuplicateDataRehash TCPDSACKRecvSegs "
	"TCPDSACKIgnoredDubious TCPMigrateReqSuccess TCPMigrateReqFailure TCPPLBRehash TCPAORequired "
	"TCPAOBad TCPAOKeyNotFound TCPAOGood TCPAODroppedIcmps\n"
	"TcpExt: 0 0 0 0 0 0 0 0 0 0 30 0 0 0 0 0 0 0 0 0 0 1 0 0 8 50 16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4 "
	"0 0 0 0 0 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 351 0 0 0 0 0 0 0 0 0 0 0 "
	"0 4 0 3 5 5 1 0 108 0 0 0 0 0 0 0 0 0 0 0 0 0 0 139 0 0 0 0 0 0 4 0 0 0 0 0 0 0 0 0 0 0\n"
	"IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts InOctets "
	"OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets InCsumErrors InNoECTPkts "
	"InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps\n"
	"IpExt: 0 0 0 0 0 0 20376327 55876 0 0 0 0 0 938 0 0 0 0\n"
	"MPTcpExt: MPCapableSYNRX MPCapableSYNTX MPCapableSYNACKRX MPCapableACKRX MPCapableFallbackACK "
	"MPCapableFallbackSYNACK MPCapableSYNTXDrop MPCapableSYNTXDisabled MPCapableEndpAttempt "
	"MPFallbackTokenInit MPTCPRetrans MPJoinNoTokenFound MPJoinSynRx MPJoinSynBackupRx MPJoinSynAckRx "
	"MPJoinSynAckBackupRx MPJoinSynAckHMacFailure MPJoinAckRx MPJoinAckHMacFailure MPJoinRejected "
	"MPJoinSynTx MPJoinSynTxCreatSkErr MPJoinSynTxBindErr MPJoinSynTxConnectErr DSSNotMatching "
	"DSSCorruptionFallback DSSCorruptionReset InfiniteMapTx InfiniteMapRx DSSNoMatchTCP DataCsumErr "
	"OFOQueueTail OFOQueue OFOMerge NoDSSInWindow DuplicateData AddAddr AddAddrTx AddAddrTxDrop EchoAdd "
	"EchoAddTx EchoAddTxDrop PortAdd AddAddrDrop MPJoinPortSynRx MPJoinPortSynAckRx MPJoinPortAckRx "
	"MismatchPortSynRx MismatchPortAckRx RmAddr RmAddrDrop RmAddrTx RmAddrTxDrop RmSubflow MPPrioTx "
	"MPPrioRx MPFailTx MPFailRx MPFastcloseTx MPFastcloseRx MPRstTx MPRstRx SubflowStale SubflowRecover "
	"SndWndShared RcvWndShared RcvWndConflictUpdate RcvWndConflict MPCurrEstab Blackhole "
	"MPCapableDataFallback MD5SigFallback DssFallback SimultConnectFallback FallbackFailed WinProbe\n"
	"MPTcpExt: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
	"0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	;

static const char fx_snmp[] =
	"Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos "
	"InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs "
	"ReasmFails FragOKs FragFails FragCreates OutTransmits\n"
	"Ip: 2 64 938 0 0 0 0 0 938 775 0 0 0 0 0 0 0 0 0 775\n"
	"Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects "
	"InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors "
	"OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs "
	"OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks OutAddrMaskReps\n"
	"Icmp: 3 0 0 3 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"IcmpMsg: InType3\n"
	"IcmpMsg: 3\n"
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab "
	"InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
	"Tcp: 1 200 120000 -1 34 6 2 0 0 878 718 0 0 2 0\n"
	"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti "
	"MemErrors\n"
	"Udp: 57 0 0 60 0 0 0 0 0\n"
	"UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors "
	"IgnoredMulti MemErrors\n"
	"UdpLite: 0 0 0 0 0 0 0 0 0\n"
	;


/* The known counters a TcpExt and a Tcp table hold. */
static const enum counter tcpext_ids[] = {
	C_TW_OVERFLOW, C_TW, C_TW_KILLED, C_TW_RECYCLED, C_ABORT_MEMORY, C_ABORT_TIMEOUT,
	C_ABORT_CLOSE, C_ABORT_DATA, C_ABORT_LINGER, C_ABORT_FAILED, C_MEMORY_PRESSURES,
};

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next(void)
{
	/* xorshift64*: a fixed seed, so that a failure is reproducible */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* The parsers see exactly len bytes and nothing after them. */
static void sockstat(struct pressure *p, const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, text, len);
	pressure_parse_sockstat(p, copy, len);
	free(copy);
}

static void table(struct pressure *p, const char *text, size_t len, const char *prefix)
{
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, text, len);
	pressure_parse_table(p, copy, len, prefix);
	free(copy);
}

/* A fresh pressure with text (a C string) parsed as a table. */
static struct pressure parsed(const char *text, const char *prefix)
{
	struct pressure p;

	memset(&p, 0, sizeof(p));
	table(&p, text, strlen(text), prefix);
	return p;
}

static struct pressure parsed_sockstat(const char *text)
{
	struct pressure p;

	memset(&p, 0, sizeof(p));
	sockstat(&p, text, strlen(text));
	return p;
}

static size_t n_have(const struct pressure *p)
{
	size_t n = 0;

	for (int i = 0; i < C_COUNTERS; i++)
		n += p->have[i];
	return n;
}

static void test_names_and_help(void **state)
{
	(void)state;
	for (int i = 0; i < C_COUNTERS; i++) {
		assert_non_null(counter_name(i));
		assert_true(strlen(counter_name(i)) > 0);
		assert_non_null(counter_help(i));
		assert_true(strlen(counter_help(i)) > 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(counter_name(i), counter_name(j));
	}
	assert_string_equal(counter_name(C_TW_OVERFLOW), "TCPTimeWaitOverflow");
	assert_string_equal(counter_name(C_ACTIVE_OPENS), "ActiveOpens");
	assert_string_equal(counter_name(C_PASSIVE_OPENS), "PassiveOpens");
}

static void test_real_sockstat(void **state)
{
	struct pressure p = parsed_sockstat(fx_sockstat);

	(void)state;
	assert_true(p.sockstat);
	assert_int_equal(p.inuse, 1);
	assert_int_equal(p.orphans, 0);
	assert_int_equal(p.tw, 2);
	assert_int_equal(p.alloc, 1);
	assert_int_equal(p.mem, 0);
	/* sockstat sets no counter */
	assert_int_equal(n_have(&p), 0);
	/* the sockstat6 file has no TCP: line, only TCP6: */
	p = parsed_sockstat("TCP6: inuse 3 orphan 0 tw 0 alloc 0 mem 0\nUDP6: inuse 0\n");
	assert_false(p.sockstat);
	assert_int_equal(p.inuse, 0);
}

static void test_real_netstat_and_snmp(void **state)
{
	struct pressure p = parsed(fx_netstat, "TcpExt:");

	(void)state;
	/* all eleven TcpExt counters of a 6.18 kernel, none of Tcp's */
	assert_int_equal(n_have(&p), ARRAY_SIZE(tcpext_ids));
	for (size_t i = 0; i < ARRAY_SIZE(tcpext_ids); i++)
		assert_true(p.have[tcpext_ids[i]]);
	assert_false(p.have[C_ACTIVE_OPENS]);
	assert_false(p.have[C_PASSIVE_OPENS]);
	assert_int_equal(p.value[C_TW], 30);
	assert_int_equal(p.value[C_ABORT_DATA], 1);
	assert_int_equal(p.value[C_TW_OVERFLOW], 0);
	assert_false(p.sockstat);

	p = parsed(fx_snmp, "Tcp:");
	/* Tcp: RtoAlgorithm RtoMin RtoMax MaxConn(-1) ActiveOpens PassiveOpens ... */
	assert_int_equal(n_have(&p), 2);
	assert_true(p.have[C_ACTIVE_OPENS]);
	assert_int_equal(p.value[C_ACTIVE_OPENS], 34);
	assert_true(p.have[C_PASSIVE_OPENS]);
	assert_int_equal(p.value[C_PASSIVE_OPENS], 6);

	/* each prefix finds only its own lines: TcpExt: is not Tcp:, nor
	 * MPTcpExt: TcpExt: */
	p = parsed(fx_netstat, "Tcp:");
	assert_int_equal(n_have(&p), 0);
	p = parsed(fx_snmp, "TcpExt:");
	assert_int_equal(n_have(&p), 0);

	/* one pressure filled from the three files, as pressure_read does */
	memset(&p, 0, sizeof(p));
	sockstat(&p, fx_sockstat, strlen(fx_sockstat));
	table(&p, fx_netstat, strlen(fx_netstat), "TcpExt:");
	table(&p, fx_snmp, strlen(fx_snmp), "Tcp:");
	assert_true(p.sockstat);
	assert_int_equal(n_have(&p), C_COUNTERS);
	assert_int_equal(p.value[C_TW], 30);
	assert_int_equal(p.value[C_ACTIVE_OPENS], 34);
}

/* The real TcpExt header with a value line of distinct numbers, in the
 * header's order and then with the columns shuffled: each counter is
 * found by its name, wherever its column is. */
static void test_columns_found_by_name(void **state)
{
	char *names[200];
	size_t n = 0;
	const char *s = strchr(fx_netstat, ' '), *end = strchr(fx_netstat, '\n');

	(void)state;
	while (s < end) {
		size_t len;

		while (*s == ' ')
			s++;
		len = strcspn(s, " \n");
		assert_true(n < ARRAY_SIZE(names));
		names[n++] = strndup(s, len);
		s += len;
	}
	assert_int_equal(n, 135);
	for (int round = 0; round < 20; round++) {
		struct strbuf sb;
		struct pressure p;

		sb_init(&sb);
		sb_adds(&sb, "IpExt: InNoRoutes\nIpExt: 7\nTcpExt:");
		for (size_t i = 0; i < n; i++)
			sb_addf(&sb, " %s", names[i]);
		sb_adds(&sb, "\nTcpExt:");
		for (size_t i = 0; i < n; i++)
			sb_addf(&sb, " %zu", 1000 + i * 7919);
		sb_adds(&sb, "\n");
		assert_false(sb.oom);
		memset(&p, 0, sizeof(p));
		table(&p, sb.s, sb.len, "TcpExt:");
		assert_int_equal(n_have(&p), ARRAY_SIZE(tcpext_ids));
		for (size_t i = 0; i < n; i++) {
			for (int id = 0; id < C_COUNTERS; id++)
				if (strcmp(counter_name(id), names[i]) == 0)
					assert_int_equal(p.value[id], 1000 + i * 7919);
		}
		sb_free(&sb);
		/* another column order for the next round (Fisher-Yates) */
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = next() % (i + 1);
			char *t = names[i];

			names[i] = names[j];
			names[j] = t;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}

static void test_missing_counters_stay_unset(void **state)
{
	struct pressure p = parsed("TcpExt: SyncookiesSent TW TCPTimeWaitOverflow\nTcpExt: 1 2 3\n", "TcpExt:");

	(void)state;
	assert_int_equal(n_have(&p), 2);
	assert_true(p.have[C_TW]);
	assert_int_equal(p.value[C_TW], 2);
	assert_true(p.have[C_TW_OVERFLOW]);
	assert_int_equal(p.value[C_TW_OVERFLOW], 3);
	assert_false(p.have[C_ABORT_MEMORY]);
	assert_int_equal(p.value[C_ABORT_MEMORY], 0);
	/* an empty text, and a text of other tables, set nothing */
	p = parsed("", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
	p = parsed("IpExt: InNoRoutes\nIpExt: 0\n", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
}

static void test_value_line_shorter_than_header(void **state)
{
	struct pressure p = parsed("TcpExt: TW TWKilled TCPTimeWaitOverflow TCPAbortOnMemory\nTcpExt: 5 6\n", "TcpExt:");

	(void)state;
	assert_int_equal(n_have(&p), 2);
	assert_int_equal(p.value[C_TW], 5);
	assert_int_equal(p.value[C_TW_KILLED], 6);
	assert_false(p.have[C_TW_OVERFLOW]);
	assert_false(p.have[C_ABORT_MEMORY]);
	/* a value line of the prefix alone */
	p = parsed("TcpExt: TW TWKilled\nTcpExt:\n", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
	/* a longer value line: the extra values belong to no name */
	p = parsed("TcpExt: TW\nTcpExt: 5 6 7\n", "TcpExt:");
	assert_int_equal(n_have(&p), 1);
	assert_int_equal(p.value[C_TW], 5);
}

static void test_header_without_value_line(void **state)
{
	struct pressure p = parsed("TcpExt: TW TWKilled TCPTimeWaitOverflow\n", "TcpExt:");

	(void)state;
	assert_int_equal(n_have(&p), 0);
	p = parsed("TcpExt: TW TWKilled\nIpExt: InNoRoutes\nIpExt: 0\n", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
	/* the header cut off in the middle of a name, with no newline */
	p = parsed("TcpExt: TW TWKil", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
}

/* Tcp's MaxConn is -1: a negative value is no counter, and the columns after
 * it still line up. */
static void test_negative_values(void **state)
{
	static const char hdr[] = "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails\n";
	char text[512];
	struct pressure p;

	(void)state;
	snprintf(text, sizeof(text), "%sTcp: 1 200 120000 -1 34 6 2\n", hdr);
	p = parsed(text, "Tcp:");
	assert_int_equal(n_have(&p), 2);
	assert_int_equal(p.value[C_ACTIVE_OPENS], 34);
	assert_int_equal(p.value[C_PASSIVE_OPENS], 6);
	/* a negative value where a known counter is: not set, nor wrapped */
	snprintf(text, sizeof(text), "%sTcp: 1 200 120000 -1 -1 -0 2\n", hdr);
	p = parsed(text, "Tcp:");
	assert_int_equal(n_have(&p), 0);
	assert_int_equal(p.value[C_ACTIVE_OPENS], 0);
	assert_int_equal(p.value[C_PASSIVE_OPENS], 0);
	snprintf(text, sizeof(text), "%sTcp: 1 200 120000 -1 -34 +6 2\n", hdr);
	p = parsed(text, "Tcp:");
	assert_int_equal(n_have(&p), 0);
}

static void test_overflow(void **state)
{
	struct pressure p;

	(void)state;
	p = parsed("TcpExt: TW TWKilled TWRecycled TCPAbortOnMemory TCPAbortOnClose TCPAbortOnData\n"
		   "TcpExt: 9223372036854775807 9223372036854775808 99999999999999999999 "
		   "00000000000000000042 100000000000000000000 18446744073709551620\n",
		   "TcpExt:");
	assert_true(p.have[C_TW]);
	assert_true(p.value[C_TW] == INT64_MAX);
	/* 2^63, and 20 nines: more than JSON's and Prometheus's signed 64 bits */
	assert_false(p.have[C_TW_KILLED]);
	assert_false(p.have[C_TW_RECYCLED]);
	assert_int_equal(p.value[C_TW_KILLED], 0);
	/* 20 digits with leading zeros fit */
	assert_true(p.have[C_ABORT_MEMORY]);
	assert_int_equal(p.value[C_ABORT_MEMORY], 42);
	/* 21 digits never fit */
	assert_false(p.have[C_ABORT_CLOSE]);
	assert_false(p.have[C_ABORT_DATA]);
	assert_int_equal(n_have(&p), 2);
	/* sockstat's numbers too: an overflowing one spoils the line */
	p = parsed_sockstat("TCP: inuse 9223372036854775808 orphan 0 tw 0 alloc 0 mem 0\n");
	assert_false(p.sockstat);
	p = parsed_sockstat("TCP: inuse 9223372036854775807 orphan 0 tw 0 alloc 0 mem 9223372036854775807\n");
	assert_true(p.sockstat);
	assert_true(p.inuse == INT64_MAX);
	assert_true(p.mem == INT64_MAX);
}

static void test_non_digits(void **state)
{
	static const char *const bad[] = { "12a", "a12", "0x10", "1.5", "1e3", "١٢", "1,000", "\t5", "5\r", "∞", "-" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char text[256];
		struct pressure p;

		snprintf(text, sizeof(text), "TcpExt: TW TWKilled\nTcpExt: %s 9\n", bad[i]);
		p = parsed(text, "TcpExt:");
		if (p.have[C_TW])
			fail_msg("\"%s\" read as %" PRIu64, bad[i], p.value[C_TW]);
		/* the next column is still its own */
		assert_true(p.have[C_TW_KILLED]);
		assert_int_equal(p.value[C_TW_KILLED], 9);
		snprintf(text, sizeof(text), "TCP: inuse 1 orphan %s tw 3 alloc 4 mem 5\n", bad[i]);
		p = parsed_sockstat(text);
		assert_false(p.sockstat);
	}
}

static void test_nul_bytes(void **state)
{
	static const char tab[] = "TcpExt: TW TWKilled T\0W TCPAbortOnMemory\nTcpExt: 5\0 6 7 8\n";
	static const char ss[] = "sockets: used\0 10\nTCP: inuse 1 orphan 2 tw 3 alloc 4 mem 5\n";
	static const char ss_bad[] = "TCP: inuse 1 orphan 2 tw 3\0 alloc 4 mem 5\n";
	struct pressure p;

	(void)state;
	/* the text is its length, not a C string: a NUL spoils only its word */
	memset(&p, 0, sizeof(p));
	table(&p, tab, sizeof(tab) - 1, "TcpExt:");
	assert_false(p.have[C_TW]);
	assert_true(p.have[C_TW_KILLED]);
	assert_int_equal(p.value[C_TW_KILLED], 6);
	assert_true(p.have[C_ABORT_MEMORY]);
	assert_int_equal(p.value[C_ABORT_MEMORY], 8);
	assert_int_equal(n_have(&p), 2);
	memset(&p, 0, sizeof(p));
	sockstat(&p, ss, sizeof(ss) - 1);
	assert_true(p.sockstat);
	assert_int_equal(p.mem, 5);
	memset(&p, 0, sizeof(p));
	sockstat(&p, ss_bad, sizeof(ss_bad) - 1);
	assert_false(p.sockstat);
	assert_int_equal(p.inuse, 0);
	/* a NUL in the prefix */
	memset(&p, 0, sizeof(p));
	table(&p, "Tcp\0xt: TW\nTcp\0xt: 5\n", 20, "TcpExt:");
	assert_int_equal(n_have(&p), 0);
}

static void test_no_trailing_newline(void **state)
{
	static const char ss[] = "TCP: inuse 1 orphan 2 tw 3 alloc 4 mem 56789";
	struct pressure p;

	(void)state;
	p = parsed_sockstat(ss);
	assert_true(p.sockstat);
	assert_int_equal(p.mem, 56789);
	/* only len bytes are read: the number ends where the text does */
	memset(&p, 0, sizeof(p));
	sockstat(&p, ss, sizeof(ss) - 1 - 3);
	assert_true(p.sockstat);
	assert_int_equal(p.mem, 56);
	/* cut before the last number: no line */
	memset(&p, 0, sizeof(p));
	sockstat(&p, ss, sizeof(ss) - 1 - 5);
	assert_false(p.sockstat);
	p = parsed("TcpExt: TW TWKilled\nTcpExt: 5 6", "TcpExt:");
	assert_int_equal(p.value[C_TW_KILLED], 6);
	assert_int_equal(n_have(&p), 2);
	/* a text of a few bytes, shorter than the prefix */
	p = parsed("Tc", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
	p = parsed_sockstat("TC");
	assert_false(p.sockstat);
	p = parsed_sockstat("TCP:");
	assert_false(p.sockstat);
	p = parsed_sockstat("\n\n\n");
	assert_false(p.sockstat);
}

static void test_prefix_lookalikes(void **state)
{
	struct pressure p;

	(void)state;
	p = parsed("TcpExtX: TW\nTcpExtX: 5\n", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
	p = parsed("TcpExt:TW\nTcpExt:5\n", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
	p = parsed(" TcpExt: TW\n TcpExt: 5\n", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
	p = parsed("MPTcpExt: TW\nMPTcpExt: 5\ntcpext: TW\ntcpext: 5\n", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
	/* a lookalike between the header and the values is skipped */
	p = parsed("TcpExt: TW\nTcpExtX: 7\nTcpExt: 9\n", "TcpExt:");
	assert_int_equal(n_have(&p), 1);
	assert_int_equal(p.value[C_TW], 9);
	/* a name that starts like a known one is not it */
	p = parsed("TcpExt: TWX TWKilledToo TW2\nTcpExt: 1 2 3\n", "TcpExt:");
	assert_int_equal(n_have(&p), 0);
	/* the first table of the prefix is the one read */
	p = parsed("TcpExt: TW\nTcpExt: 1\nTcpExt: TW\nTcpExt: 2\n", "TcpExt:");
	assert_int_equal(p.value[C_TW], 1);
}

static void test_sockstat_malformed(void **state)
{
	static const char *const bad[] = {
		"TCP: inuse 1 orphan 2 tw 3 alloc 4\n",			/* mem missing */
		"TCP: inuse 1 orphan 2 tw 3 alloc 4 mem\n",		/* its value missing */
		"TCP: inuse 1 tw 3 alloc 4 mem 5\n",			/* orphan missing */
		"TCP: orphan 2 inuse 1 tw 3 alloc 4 mem 5\n",		/* out of order */
		"TCP: inuse 1 orphan 2 tw 3 mem 5 alloc 4\n",
		"TCP: inuse 1 orphans 2 tw 3 alloc 4 mem 5\n",		/* a key lookalike */
		"TCP: inuse 1 orphan 2 tww 3 alloc 4 mem 5\n",
		"TCP: inuse 1 orphan 2 tx 3 alloc 4 mem 5\n",		/* as long as the key */
		"TCP: inuse 1 orphan 2 tw 3 alloc 4 MEM 5\n",
		"TCP: inuse 1 orphan 2 tw 3 alloc 4 mem -5\n",
		"TCP: inuse 1 orphan 2 tw 3 alloc 4 mem 5x\n",
		"TCP6: inuse 1 orphan 2 tw 3 alloc 4 mem 5\n",
		"tcp: inuse 1 orphan 2 tw 3 alloc 4 mem 5\n",
		"TCPX inuse 1 orphan 2 tw 3 alloc 4 mem 5\n",
		" TCP: inuse 1 orphan 2 tw 3 alloc 4 mem 5\n",
		"TCP: inuse 1 orphan 2 tw 3 alloc 4\nmem 5\n",		/* split over two lines */
		"TCP: 1 2 3 4 5\n",
		"TCP:\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct pressure p = parsed_sockstat(bad[i]);

		if (p.sockstat || p.inuse || p.orphans || p.tw || p.alloc || p.mem)
			fail_msg("\"%s\" was taken", bad[i]);
	}
	/* a whole line after a broken one is read; a broken one after a
	 * whole one leaves it */
	{
		struct pressure p = parsed_sockstat("TCP: inuse 9 orphan 9\nTCP: inuse 1 orphan 2 tw 3 alloc 4 mem 5\n"
						    "TCP: inuse 7 orphan\n");

		assert_true(p.sockstat);
		assert_int_equal(p.inuse, 1);
		assert_int_equal(p.orphans, 2);
		assert_int_equal(p.tw, 3);
		assert_int_equal(p.alloc, 4);
		assert_int_equal(p.mem, 5);
	}
	/* more spaces, and a field a later kernel might add at the end */
	{
		struct pressure p = parsed_sockstat("TCP:  inuse  1 orphan 2 tw 3 alloc 4 mem 5 future 6\n");

		assert_true(p.sockstat);
		assert_int_equal(p.mem, 5);
	}
}

/* A generated table: known and unknown names in any order, any 64-bit
 * value, with numbers of 1 to 20 digits. Each known one reads back. */
static void test_generated_tables_read_back(void **state)
{
	static const char *const unknown[] = { "SyncookiesSent", "TWX", "TCPTimeWaitOverflowX", "Tw", "ActiveOpen", "MaxConn" };

	(void)state;
	for (int round = 0; round < 2000; round++) {
		struct strbuf h, v, ss;
		uint64_t want[C_COUNTERS] = { 0 }, sv[5];
		bool set[C_COUNTERS] = { false };
		struct pressure p;
		int cols = (int)(next() % 24);

		sb_init(&h);
		sb_init(&v);
		sb_init(&ss);
		sb_adds(&h, "Tcp:");
		sb_adds(&v, "Tcp:");
		for (int i = 0; i < cols; i++) {
			uint64_t x = next() >> (1 + next() % 63);	/* at most INT64_MAX */

			if (next() % 3 == 0) {
				sb_addf(&h, " %s", unknown[next() % ARRAY_SIZE(unknown)]);
			} else {
				enum counter id = (enum counter)(next() % C_COUNTERS);

				sb_addf(&h, " %s", counter_name(id));
				want[id] = x;
				set[id] = true;
			}
			sb_addf(&v, "%*s%" PRIu64, (int)(1 + next() % 3), "", x);
		}
		sb_adds(&h, "\n");
		sb_addn(&h, v.s, v.len);
		if (next() % 2)
			sb_adds(&h, "\n");
		assert_false(h.oom);
		memset(&p, 0, sizeof(p));
		table(&p, h.s, h.len, "Tcp:");
		for (int id = 0; id < C_COUNTERS; id++) {
			assert_int_equal(p.have[id], set[id]);
			if (set[id] && p.value[id] != want[id])
				fail_msg("%s: %" PRIu64 " for %" PRIu64 " in\n%s", counter_name(id), p.value[id], want[id], h.s);
		}
		for (int i = 0; i < 5; i++)
			sv[i] = next() >> (1 + next() % 63);
		sb_addf(&ss, "sockets: used 1\nTCP: inuse %" PRIu64 " orphan %" PRIu64 " tw %" PRIu64 " alloc %" PRIu64
			     " mem %" PRIu64 "\nUDP: inuse 0 mem 0\n",
			sv[0], sv[1], sv[2], sv[3], sv[4]);
		memset(&p, 0, sizeof(p));
		sockstat(&p, ss.s, ss.len);
		assert_true(p.sockstat);
		assert_true(p.inuse == sv[0] && p.orphans == sv[1] && p.tw == sv[2] && p.alloc == sv[3] && p.mem == sv[4]);
		sb_free(&h);
		sb_free(&v);
		sb_free(&ss);
	}
}

/* Mutates a copy of text: bytes replaced, inserted (separators, digits, NUL,
 * minus), removed, or the text cut short. */
static size_t mutate(char *buf, size_t cap, const char *text, size_t len)
{
	static const char alphabet[] = " \n\n0123456789-\0\xff:TCPcpExt";
	int edits = 1 + (int)(next() % 8);

	if (len > cap)
		len = cap;
	memcpy(buf, text, len);
	for (int e = 0; e < edits && len; e++) {
		size_t at = next() % len;
		char c = alphabet[next() % (sizeof(alphabet) - 1)];

		switch (next() % 5) {
		case 0:
			buf[at] = c;
			break;
		case 1:
			buf[at] = (char)next();
			break;
		case 2:
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = c;
				len++;
			}
			break;
		case 3:
			memmove(buf + at, buf + at + 1, len - at - 1);
			len--;
			break;
		case 4:
			len = at;
			break;
		}
	}
	return len;
}

/* What a parse may set: a counter only when its name is in the text,
 * sockstat only when "TCP: " is; the same text always gives the same. */
static void check_invariants(const char *buf, size_t len)
{
	static const char *const prefixes[] = { "TcpExt:", "Tcp:" };
	struct pressure p, again;

	memset(&p, 0, sizeof(p));
	sockstat(&p, buf, len);
	if (p.sockstat)
		assert_non_null(memmem(buf, len, "TCP:", 4));
	else
		assert_true(!p.inuse && !p.orphans && !p.tw && !p.alloc && !p.mem);
	for (size_t k = 0; k < ARRAY_SIZE(prefixes); k++) {
		memset(&p, 0, sizeof(p));
		table(&p, buf, len, prefixes[k]);
		for (int id = 0; id < C_COUNTERS; id++) {
			if (p.have[id])
				assert_non_null(memmem(buf, len, counter_name(id), strlen(counter_name(id))));
			else
				assert_true(p.value[id] == 0);
		}
		memset(&again, 0, sizeof(again));
		table(&again, buf, len, prefixes[k]);
		assert_memory_equal(&p, &again, sizeof(p));
	}
}

static void test_random_and_mutated_text(void **state)
{
	static const char *const seeds[] = { fx_sockstat, fx_netstat, fx_snmp };
	static char buf[8192];

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len;

		if (round % 4 == 0) {
			/* random bytes, often from a small alphabet that makes lines and words */
			len = next() % 512;
			for (size_t i = 0; i < len; i++)
				buf[i] = round % 8 ? " \n0123456789TCP:inusetwTcpExt-"[next() % 30] : (char)next();
		} else {
			const char *s = seeds[next() % ARRAY_SIZE(seeds)];

			len = mutate(buf, sizeof(buf), s, strlen(s));
		}
		check_invariants(buf, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_help),
		cmocka_unit_test(test_real_sockstat),
		cmocka_unit_test(test_real_netstat_and_snmp),
		cmocka_unit_test(test_columns_found_by_name),
		cmocka_unit_test(test_missing_counters_stay_unset),
		cmocka_unit_test(test_value_line_shorter_than_header),
		cmocka_unit_test(test_header_without_value_line),
		cmocka_unit_test(test_negative_values),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_non_digits),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_no_trailing_newline),
		cmocka_unit_test(test_prefix_lookalikes),
		cmocka_unit_test(test_sockstat_malformed),
		cmocka_unit_test(test_generated_tables_read_back),
		cmocka_unit_test(test_random_and_mutated_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
