"""openaudit.licenses"""
