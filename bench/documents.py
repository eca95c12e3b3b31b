"""Time the face check and the OCR cross-check on one core, against floors from the same run.

The floor of a photo check is decoding the same photo; the floor of an OCR document is
the bare RapidOCR call on the same pixels. Each figure is the median of several runs and
is printed with its ratio to its floor, so a slower or busier machine shifts both alike.
Targets: face check <= 200 ms for a 1-megapixel photo, OCR <= 2 s per document.

Run from the repository root: .venv/bin/python -m bench.documents
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import cv2
import numpy as np

from beian.documents import ocr
from beian.documents.face import check_face_photo
from beian.documents.imaging import decode, fit
from tests.documents import face_photos, paper_photos

PHOTO_RUNS = 15
OCR_RUNS = 3


def one_core() -> None:
    """Pin the process to one CPU and keep OpenCV and onnxruntime to one thread."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cv2.setNumThreads(1)


def median_seconds(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time of `runs` calls after one warm-up call.

    On one thread the CPU time is what the call costs when it has the core to itself;
    the wall time also counts waiting for other processes on a shared machine.
    """
    action()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    """Print the table and the figures."""
    one_core()
    rows: list[tuple[str, tuple[float, float], str, tuple[float, float], float]] = []

    photo = face_photos.portrait(scale=3.3)  # 858 x 1122, 0.96 megapixels
    data = face_photos.encode(photo)
    floor = median_seconds(lambda: cv2.imdecode(np.frombuffer(data, np.uint8),
                                                cv2.IMREAD_COLOR), PHOTO_RUNS)
    check = median_seconds(lambda: check_face_photo(data), PHOTO_RUNS)
    megapixels = photo.shape[0] * photo.shape[1] / 1e6
    rows.append((f"face check, {megapixels:.2f} MP JPEG", check, "decode", floor, 0.200))

    documents = [
        ("id_card_front", paper_photos.id_card_front(), "png"),
        ("id_card_back", paper_photos.id_card_back(), "png"),
        ("business_licence", paper_photos.business_licence(), "jpg"),
    ]
    engine = ocr.engine(1)
    for kind, image, encoding in documents:
        encoded = face_photos.encode(image, encoding)
        pixels, _ = fit(decode(encoded), ocr.OCR_SIDE)
        bare = median_seconds(lambda pixels=pixels: engine(pixels), OCR_RUNS)
        full = median_seconds(
            lambda encoded=encoded, kind=kind: ocr.cross_check(encoded, kind, {}, "f"), OCR_RUNS)
        rows.append((f"OCR {kind} {image.shape[1]}x{image.shape[0]}", full, "bare RapidOCR",
                     bare, 2.0))

    print(f"{'measure':36} {'wall ms':>8} {'cpu ms':>8} {'floor':>14} {'wall ms':>8} "
          f"{'cpu ms':>8} {'ratio':>6} {'target':>7}")
    for name, (wall, cpu), floor_name, (floor_wall, floor_cpu), target in rows:
        # The target is judged on CPU time: what the check costs on a core of its own.
        verdict = f"{'ok' if cpu <= target else 'OVER'} {target * 1000:.0f}"
        print(f"{name:36} {wall * 1000:8.1f} {cpu * 1000:8.1f} {floor_name:>14} "
              f"{floor_wall * 1000:8.1f} {floor_cpu * 1000:8.1f} {cpu / floor_cpu:6.2f} "
              f"{verdict:>7}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\none core; load average at the end {load:.2f} (other work on the machine "
          "inflates every figure, the ratios less so)")


if __name__ == "__main__":
    main()
