//! The Rust test API: a builder, a running [`TestServer`], and its blocking twin.
//!
//! Everything a test asks of the server (deliver, inspect, wait) is a message to the one
//! task that owns the core `Server`, so it is ordered with client traffic: after
//! `deliver(...).await` returns, every session that has the mailbox selected has been told.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ephemail_core::fixtures::{FixtureSet, LoadOptions};
use ephemail_core::{Config, Event, Feature, MailStore, Server, Timestamp, Uid};
use rustls::pki_types::CertificateDer;
use rustls::ClientConfig;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_rustls::{TlsAcceptor, TlsConnector};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connection::{ConnectionContext, Role};
use crate::driver::{self, Request, REQUEST_QUEUE};
use crate::error::Error;
use crate::tls::{CertificateSource, TlsIdentity};
use crate::{listener, Addresses};

/// How many core events the event stream keeps for a slow reader before it skips.
/// Each slot is written when the channel is made (16,384 slots were 2 MB and 1 ms; these
/// 1,024 are about 140 KB), so the channel is made on the first [`TestServer::events`]
/// call, never in a server that nobody subscribes to, such as `ephemail serve`.
const EVENT_BUFFER: usize = 1024;

/// The event channel, made on first use; shared by the [`TestServer`] and the driver.
pub(crate) type EventChannel = Arc<OnceLock<broadcast::Sender<Event>>>;

type Seed = Box<dyn FnOnce(&mut MailStore) -> Result<(), SeedError> + Send>;

/// The error a seed closure may return: anything, boxed.
pub type SeedError = Box<dyn std::error::Error + Send + Sync>;

/// Configures and starts a [`TestServer`].
///
/// By default both listeners bind `127.0.0.1:0`, TLS uses a CA made for this run,
/// STARTTLS is offered, and there are no users.
#[must_use = "a builder does nothing until started"]
pub struct TestServerBuilder {
    users: Vec<(String, String)>,
    config: Config,
    imap: Option<SocketAddr>,
    imaps: Option<SocketAddr>,
    admin: Option<SocketAddr>,
    certificate: CertificateSource,
    seeds: Vec<Seed>,
}

impl std::fmt::Debug for TestServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServerBuilder")
            .field(
                "users",
                &self.users.iter().map(|u| &u.0).collect::<Vec<_>>(),
            )
            .field("imap", &self.imap)
            .field("imaps", &self.imaps)
            .finish_non_exhaustive()
    }
}

impl Default for TestServerBuilder {
    fn default() -> Self {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        TestServerBuilder {
            users: Vec::new(),
            // Command events feed the protocol log and `events()`; a string per command is
            // nothing next to a network round trip.
            config: Config::default().with_command_events(true),
            imap: Some(loopback),
            imaps: Some(loopback),
            admin: None,
            certificate: CertificateSource::Generated {
                extra_names: Vec::new(),
            },
            seeds: Vec::new(),
        }
    }
}

impl TestServerBuilder {
    /// Adds a user (with INBOX and the default special-use folders).
    pub fn user(mut self, name: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.push((name.into(), password.into()));
        self
    }

    /// Replaces the core configuration (bounds, greeting, autologout, features).
    /// STARTTLS is switched on at start whatever this says, since TLS always exists;
    /// switch it off with `.without(Feature::StartTls)`.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Switches an IMAP feature off, to imitate a poorer server.
    pub fn without(mut self, feature: Feature) -> Self {
        self.config = self.config.without(feature);
        self
    }

    /// Refuses LOGIN and AUTHENTICATE before TLS (`LOGINDISABLED`).
    pub fn login_requires_tls(mut self, required: bool) -> Self {
        self.config = self.config.with_login_requires_tls(required);
        self
    }

    /// Sets the largest message a client may APPEND.
    pub fn max_message_size(mut self, bytes: u32) -> Self {
        self.config = self.config.with_max_message_size(bytes);
        self
    }

    /// Sets the autologout timer (`None`: never).
    pub fn autologout(mut self, after: Option<Duration>) -> Self {
        let millis = after.map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        self.config = self.config.with_autologout_millis(millis);
        self
    }

    /// Where the plain/STARTTLS listener binds (default `127.0.0.1:0`).
    pub fn imap_addr(mut self, addr: SocketAddr) -> Self {
        self.imap = Some(addr);
        self
    }

    /// Where the implicit-TLS listener binds (default `127.0.0.1:0`).
    pub fn imaps_addr(mut self, addr: SocketAddr) -> Self {
        self.imaps = Some(addr);
        self
    }

    /// Also serve the admin HTTP API (deliver, list, reset; see the `admin` module docs)
    /// on this address. Off by default.
    pub fn admin_addr(mut self, addr: SocketAddr) -> Self {
        self.admin = Some(addr);
        self
    }

    /// No plain/STARTTLS listener.
    pub fn no_imap(mut self) -> Self {
        self.imap = None;
        self
    }

    /// No implicit-TLS listener.
    pub fn no_imaps(mut self) -> Self {
        self.imaps = None;
        self
    }

    /// Extra DNS names or IP addresses for the generated certificate, besides
    /// `localhost`, `127.0.0.1` and `::1`.
    pub fn tls_names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.certificate = CertificateSource::Generated {
            extra_names: names.into_iter().map(Into::into).collect(),
        };
        self
    }

    /// Uses this certificate chain and key (PEM) instead of generating a CA.
    pub fn tls_pem(mut self, cert_chain: impl Into<String>, key: impl Into<String>) -> Self {
        self.certificate = CertificateSource::Pem {
            cert_chain: cert_chain.into(),
            key: key.into(),
        };
        self
    }

    /// Fills the store before the server starts, after the users are added. Seeds run in
    /// the order given; fixture loaders plug in here.
    ///
    /// ```
    /// # use ephemail::TestServer;
    /// let builder = TestServer::builder().user("alice", "pw").seed(|store| {
    ///     store.create_mailbox("alice", "Projects")?;
    ///     Ok(())
    /// });
    /// # drop(builder);
    /// ```
    pub fn seed(
        mut self,
        seed: impl FnOnce(&mut MailStore) -> Result<(), SeedError> + Send + 'static,
    ) -> Self {
        self.seeds.push(Box::new(seed));
        self
    }

    /// Loads fixtures from `path` before the server starts: a directory (an `.eml`
    /// tree, Maildirs, mbox files, or a declarative `.toml`/`.json` file at its top) or a
    /// single file (`.toml`, `.json`, `.mbox`, `.eml`); the format is detected from the
    /// path. Users the fixture creates without a password get `password`. Call it again
    /// to load several; a bad fixture makes `start` fail with an error naming the file
    /// and the line or field, and nothing is loaded from it.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), ephemail::Error> {
    /// let server = ephemail::TestServer::builder()
    ///     .fixtures("fixtures/demo")
    ///     .start()
    ///     .await?;
    /// # drop(server); Ok(()) }
    /// ```
    pub fn fixtures(self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        self.seed(move |store| {
            let options = LoadOptions {
                now: crate::now(),
                ..LoadOptions::default()
            };
            let set = crate::fixtures::read_fixtures(&path, &options)?;
            set.apply(store)
                .map_err(|error| crate::fixtures::FixturesError::Fixture { root: path, error })?;
            Ok(())
        })
    }

    /// Adds an already parsed fixture set (see [`ephemail_core::fixtures`]) before the
    /// server starts, e.g. [`crate::fixtures::demo_set`].
    pub fn fixture_set(self, set: FixtureSet) -> Self {
        self.seed(move |store| {
            set.apply(store)?;
            Ok(())
        })
    }

    /// Starts the server on the current tokio runtime.
    pub async fn start(self) -> Result<TestServer, Error> {
        let prepared = self.prepare()?;
        prepared.launch()
    }

    /// Starts the server on a runtime of its own, for a plain `#[test]`.
    pub fn start_blocking(self) -> Result<BlockingTestServer, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ephemail")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let prepared = self.prepare()?;
        let server = {
            let _entered = runtime.enter();
            prepared.launch()?
        };
        Ok(BlockingTestServer {
            server: Some(server),
            runtime: Some(runtime),
        })
    }

    fn prepare(self) -> Result<Prepared, Error> {
        let tls = TlsIdentity::new(&self.certificate)?;
        let mut store = MailStore::new();
        for (name, password) in &self.users {
            store.add_user(name, password).map_err(Error::User)?;
        }
        for seed in self.seeds {
            seed(&mut store).map_err(Error::Seed)?;
        }
        let config = self.config.with_starttls(true);
        let imap = self.imap.map(bind).transpose()?;
        let imaps = self.imaps.map(bind).transpose()?;
        let admin = self.admin.map(bind).transpose()?;
        Ok(Prepared {
            server: Server::new(config, store),
            tls,
            imap,
            imaps,
            admin,
        })
    }
}

fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, Error> {
    let listener =
        std::net::TcpListener::bind(addr).map_err(|source| Error::Bind { addr, source })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| Error::Bind { addr, source })?;
    Ok(listener)
}

struct Prepared {
    server: Server,
    tls: TlsIdentity,
    imap: Option<std::net::TcpListener>,
    imaps: Option<std::net::TcpListener>,
    admin: Option<std::net::TcpListener>,
}

impl Prepared {
    /// Spawns the server task and the accept loops; needs a runtime context.
    fn launch(self) -> Result<TestServer, Error> {
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        let (requests, request_rx) = mpsc::channel(REQUEST_QUEUE);
        let events = EventChannel::default();
        let ctx = Arc::new(ConnectionContext {
            requests: requests.clone(),
            acceptor: Some(TlsAcceptor::from(self.tls.server_config())),
            cancel: cancel.clone(),
        });
        let mut addresses = Addresses::default();
        for (listener, role) in [(self.imap, Role::Plain), (self.imaps, Role::ImplicitTls)] {
            let Some(listener) = listener else { continue };
            let addr = listener.local_addr().map_err(Error::Runtime)?;
            let listener = TcpListener::from_std(listener).map_err(Error::Runtime)?;
            match role {
                Role::Plain => addresses.imap = Some(addr),
                Role::ImplicitTls => addresses.imaps = Some(addr),
            }
            tracker.spawn(listener::accept_loop(
                listener,
                role,
                ctx.clone(),
                tracker.clone(),
            ));
        }
        let handle = ServerHandle { requests };
        if let Some(listener) = self.admin {
            addresses.admin = Some(listener.local_addr().map_err(Error::Runtime)?);
            let listener = TcpListener::from_std(listener).map_err(Error::Runtime)?;
            tracker.spawn(crate::admin::serve(
                listener,
                handle.clone(),
                cancel.clone(),
            ));
        }
        tracker.spawn(driver::run(
            self.server,
            request_rx,
            events.clone(),
            cancel.clone(),
        ));
        tracing::info!(imap = ?addresses.imap, imaps = ?addresses.imaps, admin = ?addresses.admin, "listening");
        Ok(TestServer {
            addresses,
            tls: self.tls,
            handle,
            events,
            cancel,
            tracker,
        })
    }
}

/// A running IMAP server on real sockets. Dropping it closes the listeners and ends
/// every task; [`TestServer::shutdown`] also waits for them.
///
/// ```no_run
/// # async fn example() -> Result<(), ephemail::Error> {
/// use std::time::Duration;
/// use ephemail::TestServer;
///
/// let server = TestServer::builder().user("alice", "pw").start().await?;
/// let imaps = server.imaps_addr(); // connect a client here, trusting server.ca_pem()
/// server.deliver("alice", "INBOX", b"Subject: hi\r\n\r\nhello\r\n").await?;
/// server
///     .wait_for(|store| store.mailbox_by_name("alice", "INBOX").unwrap().len() == 1,
///               Duration::from_secs(5))
///     .await?;
/// # let _ = imaps;
/// server.shutdown().await;
/// # Ok(()) }
/// ```
pub struct TestServer {
    addresses: Addresses,
    tls: TlsIdentity,
    handle: ServerHandle,
    events: EventChannel,
    cancel: CancellationToken,
    tracker: TaskTracker,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addresses", &self.addresses)
            .finish_non_exhaustive()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl TestServer {
    /// A builder with defaults: loopback, port 0, a CA for this run.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// The bound addresses.
    pub fn addresses(&self) -> Addresses {
        self.addresses
    }

    /// The plain/STARTTLS listener's address.
    ///
    /// # Panics
    /// If the server was started with [`TestServerBuilder::no_imap`].
    pub fn imap_addr(&self) -> SocketAddr {
        self.addresses
            .imap
            .expect("server was started without the plain IMAP listener")
    }

    /// The implicit-TLS listener's address.
    ///
    /// # Panics
    /// If the server was started with [`TestServerBuilder::no_imaps`].
    pub fn imaps_addr(&self) -> SocketAddr {
        self.addresses
            .imaps
            .expect("server was started without the implicit-TLS listener")
    }

    /// The certificate a client must trust (the run's CA), PEM.
    pub fn ca_pem(&self) -> &str {
        self.tls.ca_pem()
    }

    /// The certificate a client must trust, DER.
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        self.tls.ca_der()
    }

    /// A rustls client configuration that trusts this server (and nothing else).
    pub fn rustls_client_config(&self) -> Arc<ClientConfig> {
        self.tls.client_config()
    }

    /// A tokio-rustls connector built from [`TestServer::rustls_client_config`].
    pub fn tls_connector(&self) -> TlsConnector {
        TlsConnector::from(self.rustls_client_config())
    }

    /// Runs `job` on the server task with the core server and the current time, and
    /// returns its result. Outputs it causes (for example IDLE updates) are sent before
    /// this returns.
    pub async fn with_server<R, F>(&self, job: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut Server, Timestamp) -> R + Send + 'static,
    {
        self.handle.with_server(job).await
    }

    /// Delivers a raw RFC 5322 message to a user's mailbox, as an MTA would.
    pub async fn deliver(
        &self,
        user: &str,
        mailbox: &str,
        message: impl Into<Vec<u8>>,
    ) -> Result<Uid, Error> {
        let (user, mailbox, message) = (user.to_owned(), mailbox.to_owned(), message.into());
        self.with_server(move |server, now| server.deliver(now, &user, &mailbox, &message))
            .await?
            .map_err(Error::Store)
    }

    /// Adds a user while the server runs.
    pub async fn add_user(&self, name: &str, password: &str) -> Result<(), Error> {
        let (name, password) = (name.to_owned(), password.to_owned());
        self.with_server(move |server, now| {
            server.edit_store(now, |store| (store.add_user(&name, &password), Vec::new()))
        })
        .await?
        .map_err(Error::Store)
    }

    /// Reads the store: `read` runs on the server task against the live store.
    pub async fn with_store<R, F>(&self, read: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&MailStore) -> R + Send + 'static,
    {
        self.with_server(move |server, _| read(server.store()))
            .await
    }

    /// A copy of the whole store as it is now (message bodies are shared, not copied).
    pub async fn snapshot(&self) -> Result<MailStore, Error> {
        self.with_store(MailStore::clone).await
    }

    /// Waits until `predicate` holds for the store, checking after every change.
    pub async fn wait_for<P>(&self, predicate: P, timeout: Duration) -> Result<(), Error>
    where
        P: FnMut(&MailStore) -> bool + Send + 'static,
    {
        let (done, reached) = oneshot::channel();
        let request = Request::WaitFor {
            predicate: Box::new(predicate),
            done,
        };
        self.handle
            .requests
            .send(request)
            .await
            .map_err(|_| Error::Stopped)?;
        match tokio::time::timeout(timeout, reached).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Error::Stopped),
            Err(_) => Err(Error::Timeout(timeout)),
        }
    }

    /// A stream of core events (logins, commands with secrets redacted, mailbox
    /// changes, closed sessions) from now on.
    pub fn events(&self) -> Events {
        Events {
            receiver: self
                .events
                .get_or_init(|| broadcast::channel(EVENT_BUFFER).0)
                .subscribe(),
            missed: 0,
        }
    }

    /// Closes the listeners and every connection, and waits for all tasks to end.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

/// A clonable way to reach the server task, for tasks that outlive a borrow of the
/// [`TestServer`] (the admin API).
#[derive(Clone)]
pub(crate) struct ServerHandle {
    requests: mpsc::Sender<Request>,
}

impl ServerHandle {
    pub(crate) async fn with_server<R, F>(&self, job: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut Server, Timestamp) -> R + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        let request = Request::Run(Box::new(move |server, now| {
            let _ = reply.send(job(server, now));
        }));
        self.requests
            .send(request)
            .await
            .map_err(|_| Error::Stopped)?;
        result.await.map_err(|_| Error::Stopped)
    }

    pub(crate) async fn with_store<R, F>(&self, read: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&MailStore) -> R + Send + 'static,
    {
        self.with_server(move |server, _| read(server.store()))
            .await
    }
}

/// Core events as they happen; see [`TestServer::events`].
#[derive(Debug)]
pub struct Events {
    receiver: broadcast::Receiver<Event>,
    missed: u64,
}

impl Events {
    /// The next event, or `None` once the server has stopped. If this reader fell more
    /// than 1,024 events behind, the oldest were dropped (see [`Events::missed`]) and it
    /// goes on with the rest.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            match self.receiver.recv().await {
                Ok(event) => return Some(event),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "event reader fell behind");
                    self.missed += missed;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The events as a [`Stream`](tokio_stream::Stream), for `StreamExt` combinators
    /// (`filter`, `take`, `timeout`, …). Like [`Events::next`], it skips events a slow
    /// reader missed.
    ///
    /// ```no_run
    /// # async fn example(server: ephemail::TestServer) {
    /// use ephemail::core::Event;
    /// use tokio_stream::StreamExt;
    ///
    /// let mut logins = server
    ///     .events()
    ///     .into_stream()
    ///     .filter(|e| matches!(e, Event::LoggedIn { .. }));
    /// let first = logins.next().await;
    /// # let _ = first;
    /// # }
    /// ```
    pub fn into_stream(self) -> impl tokio_stream::Stream<Item = Event> + Send + Unpin + 'static {
        use tokio_stream::StreamExt;
        tokio_stream::wrappers::BroadcastStream::new(self.receiver).filter_map(Result::ok)
    }

    /// How many events this reader has missed so far by falling behind.
    pub fn missed(&self) -> u64 {
        self.missed
    }

    /// The next event if one is already there.
    pub fn try_next(&mut self) -> Option<Event> {
        loop {
            match self.receiver.try_recv() {
                Ok(event) => return Some(event),
                Err(broadcast::error::TryRecvError::Lagged(missed)) => self.missed += missed,
                Err(_) => return None,
            }
        }
    }
}

/// A [`TestServer`] with its own runtime, for tests that are not async.
///
/// ```
/// use ephemail::TestServer;
///
/// let server = TestServer::builder().user("alice", "pw").start_blocking().unwrap();
/// let addr = server.imap_addr();
/// let mut stream = std::net::TcpStream::connect(addr).unwrap();
/// let mut greeting = [0u8; 4];
/// std::io::Read::read_exact(&mut stream, &mut greeting).unwrap();
/// assert_eq!(&greeting, b"* OK");
/// server.deliver("alice", "INBOX", b"Subject: hi\r\n\r\nhello\r\n").unwrap();
/// let count = server.with_store(|s| s.mailbox_by_name("alice", "INBOX").unwrap().len());
/// assert_eq!(count.unwrap(), 1);
/// ```
pub struct BlockingTestServer {
    server: Option<TestServer>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for BlockingTestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingTestServer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl Drop for BlockingTestServer {
    fn drop(&mut self) {
        drop(self.server.take());
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

impl BlockingTestServer {
    fn inner(&self) -> &TestServer {
        self.server.as_ref().expect("present until drop")
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime
            .as_ref()
            .expect("present until drop")
            .block_on(future)
    }

    /// The async server inside, for its address and TLS getters.
    pub fn server(&self) -> &TestServer {
        self.inner()
    }

    /// See [`TestServer::addresses`].
    pub fn addresses(&self) -> Addresses {
        self.inner().addresses()
    }

    /// See [`TestServer::imap_addr`].
    pub fn imap_addr(&self) -> SocketAddr {
        self.inner().imap_addr()
    }

    /// See [`TestServer::imaps_addr`].
    pub fn imaps_addr(&self) -> SocketAddr {
        self.inner().imaps_addr()
    }

    /// See [`TestServer::ca_pem`].
    pub fn ca_pem(&self) -> &str {
        self.inner().ca_pem()
    }

    /// See [`TestServer::rustls_client_config`].
    pub fn rustls_client_config(&self) -> Arc<ClientConfig> {
        self.inner().rustls_client_config()
    }

    /// See [`TestServer::deliver`].
    pub fn deliver(
        &self,
        user: &str,
        mailbox: &str,
        message: impl Into<Vec<u8>>,
    ) -> Result<Uid, Error> {
        self.block_on(self.inner().deliver(user, mailbox, message))
    }

    /// See [`TestServer::add_user`].
    pub fn add_user(&self, name: &str, password: &str) -> Result<(), Error> {
        self.block_on(self.inner().add_user(name, password))
    }

    /// See [`TestServer::with_server`].
    pub fn with_server<R, F>(&self, job: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut Server, Timestamp) -> R + Send + 'static,
    {
        self.block_on(self.inner().with_server(job))
    }

    /// See [`TestServer::with_store`].
    pub fn with_store<R, F>(&self, read: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&MailStore) -> R + Send + 'static,
    {
        self.block_on(self.inner().with_store(read))
    }

    /// See [`TestServer::snapshot`].
    pub fn snapshot(&self) -> Result<MailStore, Error> {
        self.block_on(self.inner().snapshot())
    }

    /// See [`TestServer::wait_for`].
    pub fn wait_for<P>(&self, predicate: P, timeout: Duration) -> Result<(), Error>
    where
        P: FnMut(&MailStore) -> bool + Send + 'static,
    {
        self.block_on(self.inner().wait_for(predicate, timeout))
    }

    /// See [`TestServer::events`]; read it with [`Events::blocking_next`].
    pub fn events(&self) -> Events {
        self.inner().events()
    }

    /// See [`TestServer::shutdown`].
    pub fn shutdown(mut self) {
        if let (Some(server), Some(runtime)) = (self.server.take(), self.runtime.as_ref()) {
            runtime.block_on(server.shutdown());
        }
    }
}

impl Events {
    /// Like [`Events::next`], blocking the thread; not for use inside async code.
    pub fn blocking_next(&mut self) -> Option<Event> {
        loop {
            match self.receiver.blocking_recv() {
                Ok(event) => return Some(event),
                Err(broadcast::error::RecvError::Lagged(missed)) => self.missed += missed,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
