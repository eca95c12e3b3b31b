"""Routes of this part of the web application (being built)."""

from fastapi import APIRouter

router = APIRouter()
