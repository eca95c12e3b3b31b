"""Certificate photos rendered with a CJK font: ID cards, a business licence, blank paper."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.documents import face_photos as faces

# Debian's fonts-wqy-microhei; the set-up installs it.
FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font at `size` pixels."""
    return ImageFont.truetype(str(FONT_PATH), size)


def _to_bgr(image: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)


def _guilloche(draw: ImageDraw.ImageDraw, size: tuple[int, int], colour: tuple[int, ...]
               ) -> None:
    """Faint wavy security lines, as on real cards."""
    width, height = size
    for offset in range(0, height, 24):
        points = [(x, offset + 8 * np.sin(x / 40 + offset)) for x in range(0, width, 8)]
        draw.line(points, fill=colour, width=1)


def id_card_front(name: str = "张三丰", number: str = "11010519491231002X",
                  address: str = "北京市朝阳区建国路88号") -> np.ndarray:
    """The portrait side of a resident ID card, 1280 x 808 (BGR)."""
    card = Image.new("RGB", (1280, 808), (236, 240, 232))
    draw = ImageDraw.Draw(card)
    _guilloche(draw, card.size, (205, 222, 214))
    body, label = font(44), font(34)
    rows = [("姓名", name, 70), ("性别", "男     民族  汉", 170),
            ("出生", f"{number[6:10]} 年 {int(number[10:12])} 月 {int(number[12:14])} 日", 270),
            ("住址", address, 370)]
    for caption, text, top in rows:
        draw.text((80, top + 6), caption, fill=(70, 110, 160), font=label)
        draw.text((200, top), text, fill=(20, 20, 20), font=body)
    draw.text((80, 640), "公民身份号码", fill=(70, 110, 160), font=label)
    draw.text((330, 632), number, fill=(20, 20, 20), font=font(52))
    photo = cv2.cvtColor(faces.portrait(scale=1.2, background=(230, 230, 236)),
                         cv2.COLOR_BGR2RGB)[10:360, 10:300]
    card.paste(Image.fromarray(photo), (900, 120))
    return _to_bgr(card)


def id_card_back(start: str = "2020.01.01", end: str = "2040.01.01") -> np.ndarray:
    """The emblem side with the issuing authority and the validity period."""
    card = Image.new("RGB", (1280, 808), (236, 240, 232))
    draw = ImageDraw.Draw(card)
    _guilloche(draw, card.size, (205, 222, 214))
    # The national emblem: a red disc with gold marks.
    draw.ellipse((80, 60, 300, 280), fill=(205, 40, 40))
    for cx, cy, r in ((190, 150, 30), (140, 120, 12), (240, 120, 12), (190, 225, 14)):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(240, 200, 60))
    draw.text((380, 90), "中华人民共和国", fill=(20, 20, 20), font=font(64))
    draw.text((380, 190), "居民身份证", fill=(20, 20, 20), font=font(80))
    draw.text((220, 560), "签发机关", fill=(20, 20, 20), font=font(40))
    draw.text((430, 560), "北京市公安局朝阳分局", fill=(20, 20, 20), font=font(40))
    draw.text((220, 660), "有效期限", fill=(20, 20, 20), font=font(40))
    draw.text((430, 660), f"{start}-{end}", fill=(20, 20, 20), font=font(40))
    return _to_bgr(card)


def business_licence(name: str = "北京星河科技有限公司", code: str = "91110105MA01ABCD1X",
                     term: str = "2015年03月02日至长期") -> np.ndarray:
    """A business licence (portrait page, 1280 x 1800) with a red frame and seal."""
    page = Image.new("RGB", (1280, 1800), (250, 248, 240))
    draw = ImageDraw.Draw(page)
    draw.rectangle((30, 30, 1250, 1770), outline=(190, 40, 40), width=14)
    draw.text((420, 110), "营业执照", fill=(190, 30, 30), font=font(110))
    draw.text((90, 320), "统一社会信用代码", fill=(20, 20, 20), font=font(38))
    draw.text((440, 316), code, fill=(20, 20, 20), font=font(44))
    rows = [("名称", name), ("类型", "有限责任公司（自然人投资或控股）"), ("法定代表人", "李四"),
            ("经营范围", "技术开发、技术咨询、技术服务"), ("注册资本", "人民币100万元"),
            ("成立日期", "2015年03月02日"), ("营业期限", term),
            ("住所", "北京市朝阳区建国路88号")]
    for index, (caption, text) in enumerate(rows):
        top = 480 + index * 120
        draw.text((110, top), caption, fill=(20, 20, 20), font=font(40))
        draw.text((400, top), text, fill=(20, 20, 20), font=font(40))
    draw.ellipse((880, 1380, 1160, 1660), outline=(220, 30, 30), width=10)
    draw.text((930, 1500), "登记机关", fill=(220, 30, 30), font=font(44))
    return _to_bgr(page)


def blank_page(size: tuple[int, int] = (1280, 1800)) -> np.ndarray:
    """An almost empty sheet with a faint tint, like a scan of nothing."""
    page = np.full((size[1], size[0], 3), (238, 242, 246), np.uint8)
    cv2.putText(page, ".", (600, 900), cv2.FONT_HERSHEY_SIMPLEX, 1, (120, 120, 120), 2)
    return page
