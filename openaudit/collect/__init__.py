"""openaudit.collect"""
