"""Job texts in Russian and English."""

from orderdesk.core.i18n import register

JOB_NOT_FOUND = "job.not_found"
JOB_FINISHED = "job.already_finished"

register(
    {
        JOB_NOT_FOUND: {"en": "Job {id} not found.", "ru": "Задача {id} не найдена."},
        JOB_FINISHED: {
            "en": "Job {id} has already finished ({status}).",
            "ru": "Задача {id} уже завершена ({status}).",
        },
        "job.failed": {"en": "The job failed", "ru": "Задача не выполнена"},
    }
)
