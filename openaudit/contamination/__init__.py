"""openaudit.contamination"""
