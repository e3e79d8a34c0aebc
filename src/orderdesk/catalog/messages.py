"""Catalog texts in Russian and English."""

from orderdesk.core.i18n import register

ITEM_NOT_FOUND = "item.not_found"

register(
    {
        ITEM_NOT_FOUND: {"en": "Item {id} not found.", "ru": "Позиция {id} не найдена."},
        "item.already_archived": {
            "en": "The item is already archived.",
            "ru": "Позиция уже в архиве.",
        },
        "item.not_archived": {"en": "The item is not archived.", "ru": "Позиция не в архиве."},
        "item_type.not_found": {
            "en": "Item type {id} not found.",
            "ru": "Тип позиций {id} не найден.",
        },
        "item_type.in_use": {
            "en": "Items of this type exist; archive or move them first.",
            "ru": "Есть позиции этого типа; сначала перенесите или удалите их.",
        },
        "category.not_found": {
            "en": "Category {id} not found.",
            "ru": "Категория {id} не найдена.",
        },
        "category.has_children": {
            "en": "The category has subcategories; delete or move them first.",
            "ru": "У категории есть подкатегории; сначала удалите или перенесите их.",
        },
        "field.category_cycle": {
            "en": "A category cannot be inside itself",
            "ru": "Категория не может быть вложена сама в себя",
        },
    }
)
