"""openaudit.verify"""
