"""The filing API under /api/v1: one router gathering every role's operations.

Each part lives in its own module (`api_*.py`); this one only puts them together, in the
order the OpenAPI document lists them.
"""

from fastapi import APIRouter

from beian.web import (
    api_face_change,
    api_filings,
    api_media,
    api_notifications,
    api_public,
    api_review,
    api_verification,
)

router = APIRouter()
PARTS = (api_filings, api_face_change, api_media, api_review, api_verification,
         api_notifications, api_public)
for part in PARTS:
    router.include_router(part.router)
