"""openaudit.policy"""
