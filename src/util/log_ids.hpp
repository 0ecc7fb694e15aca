// Stable message IDs of the error log, one per message site ("MPMD0001: ...").
// Operators grep and alert on them; never reuse or renumber an ID. Add new IDs
// at the end of the list with the next free number (and say which area logs it).
#pragma once

#include <string_view>

namespace mpmd::log::ids {

// supervisor / main
inline constexpr std::string_view kStartup = "MPMD0001";          // server started, engine and pid
inline constexpr std::string_view kListenFailed = "MPMD0002";     // bind/listen failed
inline constexpr std::string_view kChildExited = "MPMD0003";      // a child exited (status/signal)
inline constexpr std::string_view kChildRespawned = "MPMD0004";   // a child was re-forked
inline constexpr std::string_view kConfigError = "MPMD0005";      // configuration rejected
inline constexpr std::string_view kAcceptFailed = "MPMD0006";     // accept() failed
inline constexpr std::string_view kShutdown = "MPMD0007";         // shutting down
inline constexpr std::string_view kGracefulRestart = "MPMD0008";  // graceful restart requested/done
inline constexpr std::string_view kFileOpenFailed =
    "MPMD0009";  // a file (log, pid, ...) failed to open
inline constexpr std::string_view kRequestRejected =
    "MPMD0010";  // request rejected (4xx while parsing)
inline constexpr std::string_view kConfigWarning =
    "MPMD0011";  // configuration accepted with a warning
inline constexpr std::string_view kMaxRequestWorkers = "MPMD0012";  // reached MaxRequestWorkers
inline constexpr std::string_view kServerBusy = "MPMD0013";      // spawning fast: server seems busy
inline constexpr std::string_view kScoreboardFull = "MPMD0014";  // no free scoreboard slot
inline constexpr std::string_view kRestart = "MPMD0015";         // (non-graceful) restart, SIGHUP
inline constexpr std::string_view kAccessLogWriteFailed = "MPMD0016";  // access log write() failed
inline constexpr std::string_view kLogReopened = "MPMD0017";           // log files reopened
inline constexpr std::string_view kHandlerError = "MPMD0018";          // a handler failed (500)
inline constexpr std::string_view kPidFile = "MPMD0019";  // PidFile written / stale / failed
inline constexpr std::string_view kSignal = "MPMD0020";   // signal received
inline constexpr std::string_view kEventLoopFailed =
    "MPMD0021";  // engine: epoll/signalfd failure (mpm)
inline constexpr std::string_view kChildRecycled =
    "MPMD0022";                                              // MaxConnectionsPerChild reached (mpm)
inline constexpr std::string_view kForkFailed = "MPMD0023";  // fork() failed (supervisor)
inline constexpr std::string_view kChildBackoff =
    "MPMD0024";  // children die at start-up: backing off (supervisor)
inline constexpr std::string_view kWorkerConnections =
    "MPMD0025";  // event child at WorkerConnections: not accepting (mpm)
inline constexpr std::string_view kConnectionBroken =
    "MPMD0026";  // a socket read/write failed mid-exchange: reset, EPIPE, truncated file (mpm)
inline constexpr std::string_view kAppLoaded =
    "MPMD0027";  // an application registered, preloaded or child-initialised, with timings (app)
inline constexpr std::string_view kAppHandlerFailed =
    "MPMD0028";  // an application handler threw or failed: that request got 500 (app)
inline constexpr std::string_view kAppHookFailed =
    "MPMD0029";  // an application's registration, preload or child_init failed (app)
inline constexpr std::string_view kAppMessage = "MPMD0030";  // a line an application logged (app)

inline constexpr std::string_view kOffloadPool =
    "MPMD0031";  // the offload process pool cannot start, fork a helper, or lost its spawner
                 // (offload)
inline constexpr std::string_view kOffloadHelper =
    "MPMD0032";  // an offload helper process crashed or ran past OffloadTimeout; replaced (offload)
inline constexpr std::string_view kGearmanUnavailable =
    "MPMD0033";  // gearmand unreachable or not answering within GearmanTimeout: 503 (offload)
inline constexpr std::string_view kGearmanJobFailed =
    "MPMD0034";  // a Gearman job failed or had no result within GearmanTimeout: 502/504 (offload)
inline constexpr std::string_view kDocumentRootMissing =
    "MPMD0035";  // the DocumentRoot cannot be opened: 404, logged once a minute (handlers)
inline constexpr std::string_view kPipedLog =
    "MPMD0036";  // a piped log program ("|command") started, ended, restarted (supervisor)
inline constexpr std::string_view kNotify =
    "MPMD0037";  // systemd notification (sd_notify) failed (supervisor)
inline constexpr std::string_view kWsgiLoaded =
    "MPMD0038";  // Python started, a WSGI script preloaded or imported, with timings (python)
inline constexpr std::string_view kWsgiError =
    "MPMD0039";  // a WSGI application raised (traceback lines follow) or wrote to wsgi.errors;
                 // a failure before the response started answers 500 (python)
inline constexpr std::string_view kWsgiDaemon =
    "MPMD0040";  // a WSGI daemon process started, exited, hung past request-timeout, was
                 // replaced; its requests got 503/504 (python)
inline constexpr std::string_view kTlsHandshakeFailed =
    "MPMD0041";  // a TLS handshake failed or was not TLS at all: closed (info level) (tls)
inline constexpr std::string_view kTlsTicketKey =
    "MPMD0042";  // a new session ticket key, or the ticket key file re-read (tls)
inline constexpr std::string_view kPrivileges =
    "MPMD0043";  // a child or WSGI daemon could not switch to User/Group: it exits (supervisor)
inline constexpr std::string_view kChildStuck =
    "MPMD0044";  // a child made no progress for StuckChildTimeout (stopped, deadlocked), was
                 // killed (StuckChildAction kill), or moves again (supervisor)
inline constexpr std::string_view kAccessLogRecovered =
    "MPMD0045";  // an access log that could not be written works again: lines lost meanwhile (log)
inline constexpr std::string_view kErrorLogWriteFailed =
    "MPMD0046";  // the error log cannot be written: its lines go to stderr or syslog until it
                 // works again, then how many did (util)
inline constexpr std::string_view kAuthFailed =
    "MPMD0047";  // a login was refused: unknown user, wrong password, user not allowed (auth)
inline constexpr std::string_view kAuthMisconfigured =
    "MPMD0048";  // Require names users but AuthType, AuthName or AuthUserFile is missing or the
                 // password file cannot be read: 500 (auth)

// proxy (MPMD0300-MPMD0339 reserved)
inline constexpr std::string_view kProxyConnectFailed =
    "MPMD0300";  // a ProxyPass backend refused or did not accept a connection: 503 (a balancer
                 // tries its next member); it is in error state for retry= seconds (proxy)
inline constexpr std::string_view kProxyBackendDown =
    "MPMD0301";  // a backend in error state (retry=) was skipped: 503 at once (proxy)
inline constexpr std::string_view kProxyBadResponse =
    "MPMD0302";  // a backend sent no valid response head or closed before it: 502 (proxy)
inline constexpr std::string_view kProxyTimeout =
    "MPMD0303";  // a backend did not answer within ProxyTimeout / timeout=: 504 (proxy)
inline constexpr std::string_view kProxyBodyFailed =
    "MPMD0304";  // a backend failed within the response body: the client's response is cut
                 // (proxy)
inline constexpr std::string_view kProxyRetry =
    "MPMD0305";  // a reused backend connection failed before any response byte; an idempotent
                 // request without a streamed body was sent again on a new one (proxy, info)

// event engine backends (mpm/event; MPMD0400-MPMD0419)
inline constexpr std::string_view kEventBackendCap =
    "MPMD0400";  // EventBackend select: WorkerConnections capped below FD_SETSIZE (mpm)
inline constexpr std::string_view kEventBackendRefused =
    "MPMD0401";  // the backend cannot wait for a connection's descriptor (select: at or above
                 // FD_SETSIZE): the connection is closed, logged once a minute (mpm)

// mod_rewrite (src/rewrite/): MPMD0340-MPMD0369.
inline constexpr std::string_view kRewriteRecursion =
    "MPMD0340";  // more internal redirects than LimitInternalRecursion, or an [N] loop over
                 // its limit: 500 (rewrite)
inline constexpr std::string_view kRewriteOutsideRoot =
    "MPMD0341";  // a RewriteRule built a file path outside DocumentRoot: refused with 403 (rewrite)
inline constexpr std::string_view kRewriteBadLocation =
    "MPMD0342";  // a RewriteRule redirect's Location would hold control characters (a decoded
                 // newline under NE): 500 instead of a header injection (rewrite)
inline constexpr std::string_view kHtaccessError =
    "MPMD0343";  // an .htaccess file is broken or uses a directive AllowOverride does not allow
                 // (file:line): requests below its directory answer 500 (rewrite)

}  // namespace mpmd::log::ids
