//! Field tables of batch/v1 Job and CronJob, which `kubectl create job` and
//! `kubectl create cronjob` send as protobuf (see schema.rs).

use super::core::POD_TEMPLATE_SPEC;
use super::schema::{LABEL_SELECTOR, Msg, OBJECT_META, Ty, f, p};
use Ty::{Bool, Int, Int64, Str};

pub(super) static JOB: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&JOB_SPEC)),
    ],
};
static JOB_SPEC: Msg = Msg {
    fields: &[
        p(1, "parallelism", Int),
        p(2, "completions", Int),
        p(3, "activeDeadlineSeconds", Int64),
        p(4, "selector", Ty::Msg(&LABEL_SELECTOR)),
        p(5, "manualSelector", Bool),
        f(6, "template", Ty::Msg(&POD_TEMPLATE_SPEC)),
        p(7, "backoffLimit", Int),
        p(8, "ttlSecondsAfterFinished", Int),
        p(9, "completionMode", Str),
        p(10, "suspend", Bool),
    ],
};
pub(super) static CRON_JOB: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&CRON_JOB_SPEC)),
    ],
};
static CRON_JOB_SPEC: Msg = Msg {
    fields: &[
        f(1, "schedule", Str),
        p(2, "startingDeadlineSeconds", Int64),
        f(3, "concurrencyPolicy", Str),
        p(4, "suspend", Bool),
        f(5, "jobTemplate", Ty::Msg(&JOB_TEMPLATE_SPEC)),
        p(6, "successfulJobsHistoryLimit", Int),
        p(7, "failedJobsHistoryLimit", Int),
        p(8, "timeZone", Str),
    ],
};
static JOB_TEMPLATE_SPEC: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&JOB_SPEC)),
    ],
};
