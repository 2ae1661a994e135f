//! The simulated cluster as one value: the store, the API router (a tower Service usable
//! in-process) and the admin token; the controllers run as tokio tasks beside it.
//!
//! `Sim::start` must be called inside a tokio runtime (tests use paused time).
//! `Sim::serve_tls` additionally serves the same router over HTTPS on loopback.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::task::JoinHandle;

use super::api::authz::{Authorizer, TokenReview};
use super::api::{self, ApiState};
use super::clock::Clock;
pub use super::config::SimConfig;
use super::controllers::runtime::Runtimes;
use super::store::Store;

/// A running simulated cluster. Dropping it stops its controllers.
pub struct Sim {
    pub store: Arc<Store>,
    pub config: SimConfig,
    state: Arc<ApiState>,
    routes: Router<Arc<ApiState>>,
    tasks: Vec<JoinHandle<()>>,
}

/// What later parts plug in: container models for the kubelet (EMQX) and extra API
/// routes (pod logs, exec, access reviews). Extra routes take precedence over the
/// generic resource routing and sit behind the same authentication.
pub struct Extensions {
    pub runtimes: Runtimes,
    pub routes: Router<Arc<ApiState>>,
    /// Decides for users other than the admin (RBAC); None: they may do nothing.
    pub authorizer: Option<Arc<dyn Authorizer>>,
    /// Tokens other than the admin's (service accounts).
    pub tokens: Option<Arc<dyn TokenReview>>,
}

impl Default for Extensions {
    fn default() -> Self {
        Extensions {
            runtimes: Runtimes::default(),
            routes: Router::new(),
            authorizer: None,
            tokens: None,
        }
    }
}

/// Where an HTTPS server is listening, and what a kubeconfig needs to reach it.
pub struct Served {
    pub addr: SocketAddr,
    /// The CA certificate (PEM) that signed the serving certificate.
    pub ca_pem: String,
    pub handle: axum_server::Handle<SocketAddr>,
    pub task: JoinHandle<()>,
}

impl Sim {
    /// Starts the cluster: store, built-in objects, controllers. Needs a tokio runtime.
    pub fn start(config: SimConfig) -> Sim {
        Sim::start_with(config, Extensions::default())
    }

    /// Starts the cluster with container models and extra routes (see `Extensions`).
    pub fn start_with(config: SimConfig, extensions: Extensions) -> Sim {
        Sim::start_inner(config, extensions, None)
    }

    /// Starts the cluster from what a previous run saved (`sim::state`): its objects,
    /// admin token, service-account tokens and EMQX membership; pods that were running
    /// go on running.
    pub fn restart(config: SimConfig, saved: super::state::Restore) -> Sim {
        Sim::start_inner(config, Extensions::default(), Some(saved))
    }

    fn start_inner(
        config: SimConfig,
        extensions: Extensions,
        saved: Option<super::state::Restore>,
    ) -> Sim {
        let (store, saved) = match saved {
            Some(r) => (r.store.clone(), Some(r)),
            None => (Store::new(Clock::new(config.speed)), None),
        };
        let mut state = ApiState::new(store.clone(), config.clone());
        if let Some(saved) = saved {
            state.auth = api::auth::Authenticator::with_admin_token(saved.admin_token);
            state.world.tokens.import(saved.tokens);
            *super::workloads::world::lock(&state.world.registry) = saved.registry;
        }
        // RBAC and service-account tokens unless the caller plugs in others.
        state.authorizer = extensions.authorizer.or_else(|| {
            Some(Arc::new(api::access::RbacAuthorizer {
                store: store.clone(),
            }))
        });
        state.auth.others = extensions.tokens.or_else(|| {
            Some(Arc::new(api::access::ServiceAccountTokens {
                store: store.clone(),
                world: state.world.clone(),
            }))
        });
        let state = Arc::new(state);
        super::rbac::bootstrap::seed(&store);
        super::controllers::apiservices::seed(&store, &api::discovery::served_groups());
        state.world.attach_api(&state);
        let tasks = spawn_controllers(store.clone(), &config, &state, extensions.runtimes);
        Sim {
            store,
            config,
            state,
            routes: extensions.routes,
            tasks,
        }
    }

    /// The API router; a tower Service answering exactly what the HTTPS server answers.
    pub fn router(&self) -> Router {
        api::router::router_with(self.state.clone(), self.routes.clone())
    }

    /// The bearer token that authenticates as cluster admin.
    pub fn admin_token(&self) -> &str {
        self.state.auth.admin_token()
    }

    /// The API machinery's shared state (for handlers added by later parts).
    pub fn api_state(&self) -> &Arc<ApiState> {
        &self.state
    }

    /// A kube client talking to the router in-process (no sockets), as the admin.
    pub fn client(&self) -> kube::Client {
        api::inprocess::client(self.router(), self.admin_token())
    }

    /// Serves the router over HTTPS on a loopback address (port 0 picks a free one).
    pub fn serve_tls(&self, addr: SocketAddr) -> anyhow::Result<Served> {
        api::tls::serve(self.router(), addr)
    }

    /// A kubeconfig (YAML) for a served cluster, with the CA embedded and the admin token.
    pub fn kubeconfig(&self, served: &Served) -> anyhow::Result<String> {
        api::kubeconfig::render(served.addr, &served.ca_pem, self.admin_token())
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        self.state.world.abort_all();
    }
}

/// The controllers (scheduler, kubelet, workload controllers, ...), owned by
/// `sim::controllers`; `emqx/emqx` containers run the EMQX model (`sim::workloads`).
fn spawn_controllers(
    store: Arc<Store>,
    config: &SimConfig,
    state: &Arc<ApiState>,
    runtimes: Runtimes,
) -> Vec<JoinHandle<()>> {
    let emqx = super::workloads::runtime::EmqxRuntime {
        world: state.world.clone(),
    };
    let command = super::workloads::command::CommandRuntime {
        world: state.world.clone(),
    };
    let runtimes = runtimes
        .with("emqx/emqx", Arc::new(emqx))
        .with_fallback(Arc::new(command));
    super::controllers::spawn_with_runtimes(store, config, runtimes)
}
